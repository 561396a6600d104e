"""Golden files for presets: one Article (tests/site/presets/article.json) archived under every
preset, body format and front-matter syntax, beside the exact file each must write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive import Archive, Article
from tests._golden import check
from tests.conftest import SITE

FOLDER = SITE / "presets"
STAMP = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)  # the archive's clock: never written as `updated`
# preset, body, front-matter syntax: every combination the presets accept
CASES = [
    ("hexo", "html", "yaml"), ("hexo", "markdown", "yaml"),
    ("hugo", "html", "yaml"), ("hugo", "markdown", "yaml"),
    ("hugo", "html", "toml"), ("hugo", "markdown", "toml"),
    ("jekyll", "html", "yaml"), ("jekyll", "markdown", "yaml"),
]
PATHS = {  # where each preset puts the article, relative to the archive root
    "hexo": "golden/2024/2024-01-02-templates-braces-tags-quotes-中文",
    "hugo": "golden/2024/2024-01-02-templates-braces-tags-quotes-中文",
    "jekyll": "_posts/golden/2024-01-02-templates-braces-tags-quotes-中文",
}
CONSTANTS = {"layout_hint": "wide"}  # [archive.front_matter]


def golden_article() -> Article:
    data = json.loads((FOLDER / "article.json").read_text(encoding="utf-8"))
    data["date"] = datetime.fromisoformat(data["date"])
    data["categories"] = tuple(data["categories"])
    return Article(**data)


@pytest.fixture
def archived(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Archive, str]]:
    preset, body, syntax = request.param
    with Archive(tmp_path, preset, CONSTANTS, clock=lambda: STAMP, body=body,
                 front_matter_format=syntax) as archive:
        yield archive, archive.put(golden_article()).path


def _expected(preset: str, body: str, syntax: str, path: str) -> Path:
    return FOLDER / f"{preset}-{body}-{syntax}.expected{Path(path).suffix}"


@pytest.mark.parametrize("archived", CASES, indirect=True, ids="-".join)
def test_the_preset_writes_its_golden_file(archived: tuple[Archive, str],
                                           request: pytest.FixtureRequest) -> None:
    archive, path = archived
    preset, body, syntax = request.node.callspec.params["archived"]
    assert path.rsplit(".", 1)[0] == PATHS[preset]
    check(_expected(preset, body, syntax, path), (archive.root / path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("archived", CASES, indirect=True, ids="-".join)
def test_the_golden_file_reads_back_as_the_article(archived: tuple[Archive, str],
                                                   request: pytest.FixtureRequest) -> None:
    archive, path = archived
    _, body, _ = request.node.callspec.params["archived"]
    loaded = archive.load(path)
    article = golden_article()
    assert (loaded.title, loaded.date, loaded.categories, loaded.author, loaded.cover,
            loaded.original_url, loaded.guid, loaded.source, loaded.updated) == (
        article.title, article.date, article.categories, article.author, article.cover,
        article.original_url, article.guid, article.source, article.date)  # no update time of its own
    assert loaded.extra == {**CONSTANTS, **article.extra}
    if body == "html":
        assert loaded.body == article.body  # the protection against templates is undone
    else:
        assert "{{ site.title }}" in loaded.body and "## Heading" in loaded.body


def test_every_golden_file_has_its_case() -> None:
    written = {p.name for p in FOLDER.glob("*.expected.*")}
    assert written == {f"{p}-{b}-{s}.expected{'.html' if p != 'hexo' and b == 'html' else '.md'}"
                       for p, b, s in CASES}
