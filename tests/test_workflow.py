"""The GitHub Actions workflow, offline: its triggers, permissions and cache key, and its `run:`
steps run in order in a local clone whose remote is a local bare repository."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES, LocalSite, feedvault
from tests.test_init import _point_at

WORKFLOW = EXAMPLES / "github-actions" / "feedvault.yml"
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
_OUTPUT_TEST = re.compile(r"^steps\.(\w+)\.outputs\.(\w+) != '(\w*)'$")


def _workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_triggers_permissions_and_cache() -> None:
    flow = _workflow()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert [t["cron"] for t in triggers["schedule"]] == ["17 * * * *"]
    assert "workflow_dispatch" in triggers
    assert flow["permissions"] == {"contents": "write"}
    assert flow["concurrency"]["cancel-in-progress"] is False
    steps = flow["jobs"]["crawl"]["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["cache"] == "pip"
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "${{ env.FEEDVAULT_STATE }}"
    assert flow["env"]["FEEDVAULT_STATE"] == "source/_posts/.feedvault"
    # a cache entry is immutable: a new key per run, the latest restored by prefix
    assert "${{ github.run_id }}" in cache["with"]["key"]
    prefix = cache["with"]["restore-keys"].strip()
    assert cache["with"]["key"].startswith(prefix)
    crawl = next(s for s in steps if s.get("id") == "crawl")
    assert "feedvault crawl --due --report" in crawl["run"]
    order = [s.get("id") or s.get("uses", "").split("@")[0] for s in steps]
    assert order.index("actions/cache") < order.index("crawl") < order.index("commit")
    deploy = flow["jobs"]["deploy"]
    assert deploy["permissions"]["pages"] == "write" and deploy["needs"] == "crawl"


class Runner:
    """Runs the crawl job's steps the way a fresh GitHub runner would, against local git."""

    def __init__(self, tmp_path: Path, site: LocalSite) -> None:
        self.tmp = tmp_path
        self.remote = tmp_path / "remote.git"
        self.cache = tmp_path / "actions-cache"  # what actions/cache keeps between runs
        self.runs = 0
        self.flow = _workflow()
        self._git("init", "-q", "--bare", "-b", "main", str(self.remote), cwd=tmp_path)
        seed = tmp_path / "seed"
        self._git("clone", "-q", str(self.remote), str(seed), cwd=tmp_path)
        assert feedvault("init", seed, "--preset", "hexo", "--github-actions").returncode == 0
        _point_at(seed / "feedvault.toml", site)
        self._git("add", "--all", cwd=seed)
        self._git("-c", "user.name=me", "-c", "user.email=me@example.invalid", "commit", "-q",
                  "-m", "feedvault init", cwd=seed)
        self._git("push", "-q", "origin", "main", cwd=seed)

    def _git(self, *args: str, cwd: Path) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def log(self) -> list[str]:
        return self._git("log", "--format=%s", cwd=self.remote).splitlines()

    def run(self) -> Path:
        """One run of the crawl job in a new checkout; returns the checkout."""
        self.runs += 1
        work = self.tmp / f"run{self.runs}"
        temp = self.tmp / f"temp{self.runs}"
        temp.mkdir()
        self._git("clone", "-q", str(self.remote), str(work), cwd=self.tmp)  # actions/checkout
        env = {**os.environ, **self.flow["env"]}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        state = work / env["FEEDVAULT_STATE"]
        outputs: dict[str, dict[str, str]] = {}
        for step in self.flow["jobs"]["crawl"]["steps"]:
            uses = step.get("uses", "")
            if uses.startswith("actions/cache@") and self.cache.is_dir():
                shutil.copytree(self.cache, state)  # restore
            if "run" not in step or step.get("id") == "install":
                continue  # feedvault is installed here already
            if "if" in step:
                test = _OUTPUT_TEST.match(step["if"])
                assert test, f"unknown condition {step['if']!r}"
                if outputs.get(test[1], {}).get(test[2]) == test[3]:
                    continue
            output = temp / f"output-{len(outputs)}"
            step_env = {k: self._expand(v, temp) for k, v in (step.get("env") or {}).items()}
            script = self._expand(step["run"], temp)
            done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                   script], cwd=work, capture_output=True, text=True,
                                  env={**env, **step_env, "GITHUB_OUTPUT": str(output)})
            assert done.returncode == 0, (step.get("name"), done.stdout, done.stderr)
            outputs[step.get("id", "")] = dict(
                line.split("=", 1) for line in output.read_text().splitlines()
            ) if output.exists() else {}
        if state.is_dir():  # actions/cache saves the folder when the job ends
            shutil.rmtree(self.cache, ignore_errors=True)
            shutil.copytree(state, self.cache)
        return work

    @staticmethod
    def _expand(text: str, temp: Path) -> str:
        def value(found: re.Match[str]) -> str:
            assert found[1] == "runner.temp", f"unexpected expression {found[0]}"
            return str(temp)
        return _EXPRESSION.sub(value, "\n".join(
            line for line in text.splitlines() if not line.lstrip().startswith("#")))

    def an_hour_later(self) -> None:
        """Move the cached poll times back, as if the next scheduled run came an hour later."""
        with sqlite3.connect(self.cache / "http.sqlite") as db:
            for source, polled in db.execute("SELECT source, last_polled FROM polls").fetchall():
                earlier = datetime.fromisoformat(polled) - timedelta(hours=2)
                db.execute("UPDATE polls SET last_polled = ? WHERE source = ?",
                           (earlier.isoformat(), source))


@pytest.fixture
def runner(tmp_path: Path, site: LocalSite) -> Runner:
    return Runner(tmp_path, site)


def _changed_files(runner: Runner) -> list[str]:
    return runner._git("-c", "core.quotePath=false", "show", "--name-only", "--format=", "HEAD",
                       cwd=runner.remote).split()


def test_workflow_commits_only_what_changed(runner: Runner, site: LocalSite) -> None:
    runner.run()
    assert runner.log() == ["feedvault: 5 new, 0 updated", "feedvault init"]
    assert len([f for f in _changed_files(runner) if f.startswith("source/_posts/")]) == 5

    runner.an_hour_later()
    runner.run()  # the feeds did not change (and answer 304)
    assert len(runner.log()) == 2

    feed = site.root / "notes.atom"
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "round-trips exactly.", "round-trips exactly, now edited."), encoding="utf-8")
    stamp = feed.stat().st_mtime + 10  # newer than the Last-Modified the server sent before
    os.utime(feed, (stamp, stamp))
    runner.an_hour_later()
    runner.run()
    log = runner.log()
    assert len(log) == 3 and log[0] == "feedvault: 0 new, 1 updated"
    message = runner._git("log", "-1", "--format=%B", cwd=runner.remote)
    assert "notes: 0 new, 1 updated" in message
    assert _changed_files(runner) == [
        "source/_posts/notes/2024/2024-02-27-notes-quoted-hash-dashes.md"]

    shutil.rmtree(runner.cache)  # a cold cache: no ledger, no HTTP state
    work = runner.run()
    assert len(runner.log()) == 3  # nothing duplicated, nothing rewritten
    posts = sorted(p.relative_to(work).as_posix()
                   for p in (work / "source" / "_posts").rglob("*.md"))
    assert len(posts) == 5
