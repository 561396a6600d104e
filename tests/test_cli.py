"""crawler/cli.py: each command parses as it always did, and only its own module is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli import _parser, main
from crawler.commands import COMMANDS
from tests.conftest import REPO, write_config


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
