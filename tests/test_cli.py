"""crawler/cli.py: each command parses as it always did, and only its own module is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli import _parser, main
from crawler.commands import COMMANDS
from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, rss_item, write_config


def _outcome(only: str | None, argv: list[str],
             capsys: pytest.CaptureFixture[str]) -> tuple[str, str, object]:
    try:
        _parser(only).parse_args(argv)
        code: object = None
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return out, err, code


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_alone_parses_as_in_the_whole_parser(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    # the help text, and the error for an unknown flag, are what they are with every command
    for argv in ([command, "--help"], [command, "--no-such-flag"]):
        whole = _outcome(None, argv, capsys)
        assert whole[2] in (0, 2) and (whole[0] or whole[1])
        assert _outcome(command, argv, capsys) == whole


def test_help_typos_and_help_before_the_command_list_every_command(
        capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["-h", "crawl"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert all(command in out for command in COMMANDS), argv
    with pytest.raises(SystemExit) as exc:
        main(["crwal"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "invalid choice: 'crwal'" in err and "'sources'" in err


_LOADED = ("import sys; from crawler.cli import main; status = main(sys.argv[1:]); "
           "print(*sorted(m for m in sys.modules if m.startswith('crawler.commands.'))); "
           "sys.exit(status)")


def test_a_command_imports_its_own_module_and_no_other_command(tmp_path: Path) -> None:
    # `feedvault status` needs neither `sources` (tomlkit, OPML) nor `extract` (page fetching)
    config = write_config(tmp_path, [{"name": "blog", "url": "http://127.0.0.1:9/feed.xml"}])
    run = subprocess.run([sys.executable, "-c", _LOADED, "-v", "--config", str(config), "status"],
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True, timeout=120)
    assert "blog" in run.stdout, run.stderr[-2000:]
    loaded = run.stdout.splitlines()[-1].split()
    assert loaded == ["crawler.commands.exit", "crawler.commands.status"]


def _to_a_closed_pipe(args: list[str], cwd: Path, *, buffered: bool, stderr_too: bool = False
                      ) -> subprocess.CompletedProcess[str]:
    """Run feedvault with stdout (and stderr: `2>&1 | head`) on a pipe whose reader has
    already left."""
    read, write = os.pipe()
    os.close(read)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if buffered:  # a pipe's usual block buffering: the failing write is the exit's flush
        env.pop("PYTHONUNBUFFERED", None)
    else:
        env["PYTHONUNBUFFERED"] = "1"
    try:
        return subprocess.run([sys.executable, "-m", "crawler.cli", *args], stdout=write,
                              stderr=write if stderr_too else subprocess.PIPE, cwd=cwd, env=env, text=True, timeout=300)
    finally:
        os.close(write)


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_reader_leaving_early_is_a_quiet_exit_after_the_work_is_done(
        site: LocalSite, tmp_path: Path, buffered: bool) -> None:
    # `feedvault crawl --report r.json | head -1`: no traceback, and the crawl still records
    # its history and writes its report; the exit status is a closed pipe's, 128 + SIGPIPE
    url = site.write("feed.xml", rss_feed([rss_item(1), rss_item(2)]))
    config = write_config(tmp_path, [{"name": "blog", "url": url}])
    report = tmp_path / "r.json"
    crawl = _to_a_closed_pipe(["crawl", "--config", str(config), "--report", str(report)],
                              tmp_path, buffered=buffered)
    assert crawl.returncode == 141, crawl.stderr
    assert "Traceback" not in crawl.stderr and "BrokenPipe" not in crawl.stderr, crawl.stderr
    assert crawl.stderr == ""
    assert len(archive_files(tmp_path / "posts")) == 2
    assert json.loads(report.read_text(encoding="utf-8"))["sources"][0]["new"] == 2
    status = feedvault("status", "--json", "--config", config)
    assert json.loads(status.stdout)["sources"][0]["outcome"] != "never crawled"

    listed = _to_a_closed_pipe(["sources", "list", "--config", str(config)], tmp_path,
                               buffered=buffered)
    assert (listed.returncode, listed.stderr) == (141, "")



@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_failed_command_keeps_its_status_when_its_reader_leaves_early(
        tmp_path: Path, buffered: bool) -> None:
    # `feedvault crawl 2>&1 | head -1` from cron: a failed crawl exits 1 and a usage error 2,
    # not 141, so that the job still sees the failure
    config = write_config(tmp_path, [{"name": "gone", "url": "http://127.0.0.1:9/feed.xml"}])
    failed = _to_a_closed_pipe(["crawl", "--config", str(config)], tmp_path, buffered=buffered,
                               stderr_too=True)
    assert failed.returncode == 1
    usage = _to_a_closed_pipe(["crawl", "--config", str(tmp_path / "missing.toml")], tmp_path,
                              buffered=buffered, stderr_too=True)
    assert usage.returncode == 2


def test_other_output_errors_are_still_reported(tmp_path: Path) -> None:
    # a full disk is not a reader that left: the command fails and says why
    config = write_config(tmp_path, [{"name": "blog", "url": "http://127.0.0.1:9/feed.xml"}])
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "crawler.cli", "status", "--config",
                              str(config)], stdout=full, stderr=subprocess.PIPE, cwd=tmp_path,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, text=True,
                             timeout=120)
    assert run.returncode not in (0, 141)
    assert "No space left on device" in run.stderr
