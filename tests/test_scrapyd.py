"""Deploy the project to a real Scrapyd with scrapyd-deploy and crawl through its HTTP API."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, write_config
from tests.distributed_helpers import distributed_config, free_port, redis_server

PROJECT_FILES = ("crawler", "pipelines", "archive", "pyproject.toml", "setup.py", "README.md",
                 "scrapy.cfg")


@dataclass
class Scrapyd:
    url: str
    folder: Path

    def get(self, endpoint: str, **params: str) -> dict:
        with urlopen(f"{self.url}{endpoint}?{urlencode(params)}", timeout=30) as response:
            return json.load(response)

    def post(self, endpoint: str, data: list[tuple[str, str]]) -> dict:
        with urlopen(f"{self.url}{endpoint}", data=urlencode(data).encode(), timeout=30) as resp:
            return json.load(resp)

    def wait_finished(self, job: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.get("listjobs.json", project="feedvault")
            if any(j["id"] == job for j in jobs["finished"]):
                return
            time.sleep(0.3)
        raise AssertionError(f"Scrapyd job {job} did not finish:\n{self.log(job)}")

    def log(self, job: str) -> str:
        path = self.folder / "logs" / "feedvault" / "feeds" / f"{job}.log"
        return path.read_text() if path.exists() else "(no log)"


def _env() -> dict[str, str]:
    """Scrapyd's environment without our PYTHONPATH: jobs must import the deployed egg."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    for module in ("scrapyd", "scrapyd_client"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed: pip install 'feedvault[distributed]' "
                        "(.ci/run does)")
    folder = tmp_path / "scrapyd"
    folder.mkdir()
    port = free_port()
    (folder / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {folder / 'eggs'}\nlogs_dir = {folder / 'logs'}\n"
        f"dbs_dir = {folder / 'dbs'}\nitems_dir =\n"
        "max_proc = 4\npoll_interval = 0.5\n"
    )
    with (folder / "scrapyd.out").open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=folder, env=_env(),
                                   stdout=out, stderr=subprocess.STDOUT)
        server = Scrapyd(f"http://127.0.0.1:{port}/", folder)
        deadline = time.monotonic() + 60
        while True:
            try:
                assert server.get("daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError((folder / "scrapyd.out").read_text()) from None
                time.sleep(0.2)
        try:
            yield server
        finally:
            process.terminate()
            process.wait(timeout=30)


def _deploy(scrapyd: Scrapyd, tmp_path: Path) -> None:
    """scrapyd-deploy from a copy of the project whose scrapy.cfg targets this Scrapyd."""
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / name)
    cfg = project / "scrapy.cfg"
    cfg.write_text(cfg.read_text().replace("http://localhost:6800/", scrapyd.url))
    deployed = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "-v", "1.0"],
                              cwd=project, env=_env(), capture_output=True, text=True,
                              timeout=300)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert '"status": "ok"' in deployed.stdout, deployed.stdout + deployed.stderr
    assert scrapyd.get("listspiders.json", project="feedvault")["spiders"] == ["backfill", "feeds"]


def _items(n: int) -> list[dict[str, str]]:
    return [{"title": f"Article {i}", "guid": f"urn:scrapyd:{i}",
             "description": f"<p>Body {i}</p>"} for i in range(n)]


def test_deployed_project_crawls_through_the_scrapyd_api(
        scrapyd: Scrapyd, site: LocalSite, tmp_path: Path) -> None:
    _deploy(scrapyd, tmp_path)
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml",
                                                                     rss_feed(_items(3)))}])
    job = scrapyd.post("schedule.json", [("project", "feedvault"), ("spider", "feeds"),
                                         ("setting", f"FEEDVAULT_CONFIG={config}")])
    assert job["status"] == "ok", job
    scrapyd.wait_finished(job["jobid"])
    assert len(archive_files(tmp_path / "posts")) == 3, scrapyd.log(job["jobid"])
    assert "'feedvault/t/new': 3" in scrapyd.log(job["jobid"])


def test_scrapyd_jobs_as_distributed_workers(
        scrapyd: Scrapyd, site: LocalSite, tmp_path: Path) -> None:
    _deploy(scrapyd, tmp_path)
    sources = [{"name": f"s{n}", "url": site.write(f"f{n}.xml", rss_feed(
        [{**i, "guid": f"{i['guid']}:{n}"} for i in _items(10)]))} for n in range(6)]
    with redis_server(tmp_path) as redis:
        config = write_config(tmp_path, sources, extra=distributed_config(redis.url))
        common = [("project", "feedvault"), ("spider", "feeds"),
                  ("setting", f"FEEDVAULT_CONFIG={config}"), ("setting", "FEEDVAULT_IDLE_CLOSE=2")]
        # One job enqueues the sources and works; the other only works.
        jobs = [scrapyd.post("schedule.json", common),
                scrapyd.post("schedule.json", [*common, ("setting", "FEEDVAULT_ROLE=worker")])]
        for job in jobs:
            scrapyd.wait_finished(job["jobid"])
        # The articles wait on the stream until the writer comes.
        assert not archive_files(tmp_path / "posts")
        writer = feedvault("writer", "--config", config, "--idle", "1")
    assert writer.returncode == 0, writer.stdout + writer.stderr
    assert len(archive_files(tmp_path / "posts")) == 60, writer.stdout
    assert "Spider closed (finished)" in scrapyd.log(jobs[1]["jobid"])
