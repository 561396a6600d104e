"""crawler.run.run_process: the one place a Config becomes a running Scrapy crawl."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO, write_config

# One crawl per process (Twisted's reactor): the check runs in a child process.
_RUN = textwrap.dedent("""
    import sys

    import scrapy

    from crawler.config import load_config
    from crawler.run import run_process

    class Probe(scrapy.Spider):
        name = "probe"

        async def start(self):
            settings = self.crawler.settings
            print("AGENT", settings.get("USER_AGENT"))
            print("ROLE", settings.get("FEEDVAULT_ROLE"))
            print("EDITED", settings.get("PROBE_EDITED"))
            print("ARG", self.word)
            print("CONFIG", settings.get("FEEDVAULT_CONFIG").file.name)
            return
            yield

    config = load_config(sys.argv[1])
    crawler = run_process(config, Probe, settings={"FEEDVAULT_ROLE": "probe"},
                          configure=lambda s: s.set("PROBE_EDITED", "yes", "cmdline"),
                          word="hello")
    print("FINISH", crawler.stats.get_value("finish_reason"))
""")


def test_run_process_builds_the_crawl_from_the_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "blog", "url": "http://127.0.0.1:9/feed.xml"}],
                          extra='[crawl]\ncontact = "mailto:me@example.invalid"\n')
    run = subprocess.run([sys.executable, "-c", _RUN, str(config)], cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines() if " " in line)
    assert "mailto:me@example.invalid" in lines["AGENT"]
    assert lines["ROLE"] == "probe" and lines["EDITED"] == "yes" and lines["ARG"] == "hello"
    assert lines["CONFIG"] == "feedvault.toml"
    assert lines["FINISH"] == "finished"
