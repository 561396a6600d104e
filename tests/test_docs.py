"""The documentation keeps up with the code: every flag and configuration key has its entry."""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from archive import FeedvaultError
from crawler.config import parse_config
from crawler.config._checks import Checks

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
KEY_PAGE = DOCS / "reference" / "configuration.md"
README_LIMIT = 10 * 1024


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of data with the dotted path ("sources[0].backfill") set to value."""
    data = copy.deepcopy(data)
    node: Any = data
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key: Any = int(part[1:-1]) if part.startswith("[") else part
        if last:
            node[key] = value
        else:
            if isinstance(key, str) and key not in node:
                node[key] = {}
            node = node[key]
    return data


# Enough for the validator to reach every section: a source with a backfill table.
BASE: dict[str, Any] = {
    "archive": {"path": "posts"},
    "sources": [{"name": "blog", "url": "https://blog.example/feed.xml",
                 "backfill": {"sitemap": "https://blog.example/sitemap.xml"}}],
}


def accepted_keys(tmp_path: Path) -> dict[str, str]:
    """Every key the validator accepts, as `section.key` (sources[].x), with the table it is in.

    Validates configurations and records each `allowed` set the validator's table check
    is given; each key found is then set to an empty table (and a list of one), in the
    configuration that reached it, to reach tables inside it, until nothing new turns up.
    So a key or a section added to the validator is found without this test knowing its name."""
    found: dict[str, str] = {}
    seen_tables: set[str] = set()
    original = Checks.table
    calls: list[tuple[str, set[str]]] = []

    def recording(self: Checks, data: Any, key: str, allowed: set[str], *args: Any,
                  **kwargs: Any) -> dict[str, Any]:
        calls.append((key, set(allowed)))
        return original(self, data, key, allowed, *args, **kwargs)

    path = tmp_path / "feedvault.toml"
    queue = [BASE]
    tried: set[str] = set()
    Checks.table = recording  # type: ignore[method-assign]
    try:
        while queue:
            data = queue.pop()
            calls.clear()
            # an empty table is often not a valid value: its allowed keys are known by then
            with contextlib.suppress(FeedvaultError):
                parse_config(tomli_w.dumps(data), path, environ={})
            for key, allowed in calls:
                table = re.sub(r"\[\d+\]", "[]", key)
                seen_tables.add(table)
                for name in allowed:
                    full = f"{table}.{name}" if table else name
                    found.setdefault(full, table)
                    concrete = f"{key}.{name}" if key else name
                    for value in ({}, [{}]):
                        probe = f"{concrete}={value!r}"
                        if probe not in tried:
                            tried.add(probe)
                            # not through a value an earlier probe replaced
                            with contextlib.suppress(KeyError, IndexError, TypeError):
                                queue.append(_set(data, concrete, value))
    finally:
        Checks.table = original  # type: ignore[method-assign]
    return found


def documented_keys() -> set[str]:
    """The first-column names of the tables of docs/reference/configuration.md."""
    keys = set()
    for line in KEY_PAGE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([^`]+)`", line)
        if match:
            keys.add(match.group(1))
    return keys


def test_every_configuration_key_is_in_the_reference(tmp_path: Path) -> None:
    accepted = accepted_keys(tmp_path)
    # the sanity of the discovery itself: keys of every section, nested ones included
    for key in ("archive.path", "crawl.max_time", "sources[].url", "sources[].backfill.sitemap",
                "images.proxy_scope", "clean.max_depth", "distributed.redis"):
        assert key in accepted, key
    documented = documented_keys()
    # a free-form table (`[scrapy]`, `images.headers."<host pattern>"`) is documented as a pattern
    missing = [key for key in sorted(accepted) if key not in documented
               and not any(d.startswith((f"{key}.", f"{key}[")) for d in documented)]
    assert not missing, (
        "configuration keys the validator accepts that docs/reference/configuration.md does not "
        "document; add one row for each there, `| `key` | type | default | meaning |`: "
        + "; ".join(f"`{key}` to the table under {_heading(accepted[key], key)}"
                    for key in missing))


def _heading(table: str, key: str) -> str:
    """The reference's heading for a table: `## [crawl]`, `## [[sources]]`, `## [sources.backfill]`."""
    if not table:
        return f"a new heading `## [{key}]`"
    if table == "sources[]":
        return "`## [[sources]]`"
    return f"`## [{table.replace('[]', '')}]`"


def test_the_reference_documents_no_key_the_validator_refuses(tmp_path: Path) -> None:
    accepted = accepted_keys(tmp_path)
    stale = [key for key in sorted(documented_keys()) if "<" not in key
             and key not in accepted
             and not key.startswith("FEEDVAULT_")]
    assert not stale, ("docs/reference/configuration.md documents keys feedvault.toml does not "
                       "accept (unknown key): " + ", ".join(stale))


def test_every_flag_has_a_meaning() -> None:
    gen = _generator()
    root = gen.parser()
    common = {flag for action in root._actions for flag in action.option_strings} - {
        "--version", "-h", "--help"}
    bare = [f"`feedvault {name}` {gen.label(action)}"
            for name, _, sub in gen.subcommands(root)
            for action in gen.documented_actions(sub, common)
            if not gen.meaning(name, action)]
    assert not bare, ("arguments without a meaning for docs/reference/commands.md: "
                      + ", ".join(bare) + ". Give each a help= text where crawler/commands/ "
                      "registers it (or a line in EXTRA in docs/gen_reference.py), then run "
                      "`python docs/gen_reference.py`")


def test_the_command_reference_is_up_to_date() -> None:
    gen = _generator()
    page = DOCS / "reference" / "commands.md"
    assert page.read_text(encoding="utf-8") == gen.render(), (
        "docs/reference/commands.md differs from the command line's parsers (a command or flag "
        "was added or changed): run `python docs/gen_reference.py` and commit the page")


def test_the_command_reference_lists_every_flag() -> None:
    gen = _generator()
    text = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
    for flag in ("--due", "--max-time DURATION", "--keep N", "--ignore-whitespace", "--idle"):
        assert f"`{flag}" in text, flag
    for name, _, _ in gen.subcommands(gen.parser()):
        assert f"## feedvault {name}\n" in text, name


def _links(markdown: str) -> list[str]:
    return [target for target in re.findall(r"\]\(([^)\s]+)\)", markdown)
            if not re.match(r"[a-z]+:", target) and not target.startswith("#")]


def test_readme_is_a_short_front_door_whose_links_work() -> None:
    readme = ROOT / "README.md"
    size = len(readme.read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes; keep it under {README_LIMIT}: " \
                                 "move the detail into a page of docs/"
    text = readme.read_text(encoding="utf-8")
    links = _links(text)
    assert any(link.startswith("docs/") for link in links)
    for link in links:
        target = ROOT / link.split("#", 1)[0]
        assert target.exists(), f"README.md links to {link}, which does not exist"


def test_readme_keeps_the_two_commands_that_start_feedvault() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -q -e . && feedvault crawl --config examples/feedvault.toml" in text
    assert "bash .ci/run" in text


@pytest.mark.parametrize("page", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
                                        if "_incoming" not in p.parts))
def test_paths_the_docs_cite_exist(page: str) -> None:
    """`crawler/feeds/parse.py`-style paths in the docs name files of this repository."""
    text = (DOCS / page).read_text(encoding="utf-8")
    cited = set(re.findall(r"`((?:crawler|pipelines|archive|tests|benchmarks|docs)/[\w./-]*)`",
                           text))
    missing = [path for path in sorted(cited) if not (ROOT / path).exists()
               and not path.startswith("tests/.node")]  # made by .ci/run
    assert not missing, f"docs/{page} cites paths that do not exist: {', '.join(missing)}"


def _toml_blocks() -> list[tuple[str, str]]:
    blocks = []
    for page in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        if "_incoming" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        for number, match in enumerate(re.finditer(r"```toml\n(.*?)```", text, re.S)):
            blocks.append((f"{page.relative_to(ROOT)}#{number + 1}", match.group(1)))
    return blocks


@pytest.mark.parametrize(("where", "block"), _toml_blocks(), ids=[w for w, _ in _toml_blocks()])
def test_configuration_examples_in_the_docs_are_valid(where: str, block: str, tmp_path: Path
                                                      ) -> None:
    """Every ```toml example is accepted by the validator (a fragment with a minimal archive
    and source added), so an example cannot go stale when a key is renamed."""
    data = tomllib.loads(block)
    data.setdefault("archive", {}).setdefault("path", "posts")
    data.setdefault("sources", [{"name": "base", "url": "https://base.example/feed.xml"}])
    environ = {name: "x" for name in re.findall(r"\$\{(\w+)\}", block)}
    parse_config(tomli_w.dumps(data), tmp_path / "feedvault.toml", environ=environ)


def test_the_retried_answers_the_docs_list_are_the_ones_retried() -> None:
    """The docs once said every 5xx is retried; 501 and 505 are not. They list the codes."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    retried = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
    text = " ".join((DOCS / "schedules.md").read_text(encoding="utf-8").split())
    match = re.search(r"`RETRY_HTTP_CODES` \(([\d, and]+)\)", text)
    assert match, "docs/schedules.md no longer lists the retried HTTP codes"
    listed = {int(code) for code in re.findall(r"\d+", match.group(1))}
    assert listed == retried, f"docs/schedules.md lists {sorted(listed)}; retried: {sorted(retried)}"
    assert "5xx answers, 408, 429 and timeouts are retried" not in text
