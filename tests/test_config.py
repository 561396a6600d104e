"""Configuration errors: exit status 2, one message naming file, line and key; nothing crawled."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import ConfigError
from crawler.config import load_config, parse_config
from tests.conftest import feedvault

GOOD_SOURCE = '[[sources]]\nname = "a"\nurl = "https://example.org/feed.xml"\n'

CASES = {
    "unknown top-level key": (
        '[archive]\npath = "posts"\n[archiv]\npath = "x"\n',
        ["archiv", "unknown key"],
    ),
    "unknown source key": (
        '[archive]\npath = "posts"\n\n[[sources]]\nname = "a"\nurl = "https://e.org/f"\n'
        'categoris = ["x"]\n',
        [":7:", "sources[0].categoris", "unknown key", "categories"],
    ),
    "wrong type": (
        '[archive]\npath = "posts"\n\n[[sources]]\nname = "a"\nurl = "https://e.org/f"\n'
        'categories = "news"\n',
        [":7:", "sources[0].categories", "expected a list of strings"],
    ),
    "duplicate names": (
        '[archive]\npath = "posts"\n\n' + GOOD_SOURCE + "\n" + GOOD_SOURCE,
        [":9:", "sources[1].name", "duplicate source name 'a'"],
    ),
    "bad name": (
        '[archive]\npath = "posts"\n\n[[sources]]\nname = "../x"\nurl = "https://e.org/f"\n',
        [":5:", "sources[0].name", "letters, digits"],
    ),
    "unusable url": (
        '[archive]\npath = "posts"\n\n[[sources]]\nname = "a"\nurl = "ftp://e.org/f"\n',
        [":6:", "sources[0].url", "http(s):// or file://"],
    ),
    "proxy without placeholder": (
        '[archive]\npath = "posts"\n[images]\nmode = "proxy"\nproxy = "https://p.example/"\n',
        [":5:", "images.proxy", "{url}"],
    ),
    "proxy with unknown placeholder": (
        '[archive]\npath = "posts"\n[images]\nproxy = "https://p.example/?{link}"\n',
        [":4:", "images.proxy", "{url_quoted}"],
    ),
    "proxy mode without proxy": (
        '[archive]\npath = "posts"\n[images]\nmode = "proxy"\n',
        ["images.proxy", "needs a proxy template"],
    ),
    "bad scope": (
        '[archive]\npath = "posts"\n[images]\nproxy = "https://p/?{url}"\nproxy_scope = "some"\n',
        [":5:", "images.proxy_scope", "http, all"],
    ),
    "bad selector": (
        '[archive]\npath = "posts"\n\n[[sources]]\nname = "a"\nurl = "https://e.org/f"\n'
        'remove = ["div[["]\n',
        [":7:", "sources[0].remove", "not a CSS selector"],
    ),
    "constant shadows a key": (
        '[archive]\npath = "posts"\n[archive.front_matter]\ntitle = "x"\n',
        [":4:", "archive.front_matter.title", "writes this key itself"],
    ),
    "unknown preset": (
        '[archive]\npath = "posts"\npreset = "wordpress"\n',
        [":3:", "archive.preset", "hexo"],
    ),
    "reserved scrapy setting": (
        '[archive]\npath = "posts"\n[scrapy]\nITEM_PIPELINES = {}\n',
        [":4:", "scrapy.ITEM_PIPELINES", "does not manage"],
    ),
    "missing archive path": ("[archive]\n", ["archive.path", "missing"]),
    "not toml": ('[archive\npath = "posts"\n', ["not valid TOML", "line 1"]),
}


@pytest.mark.parametrize("case", CASES)
def test_invalid_config_names_file_line_and_key(case: str, tmp_path: Path) -> None:
    text, expected = CASES[case]
    path = tmp_path / "feedvault.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        parse_config(text, path)
    message = str(info.value)
    assert message.startswith(str(path))
    for fragment in expected:
        assert fragment in message


def test_cli_exits_2_and_crawls_nothing(tmp_path: Path) -> None:
    text, _ = CASES["duplicate names"]
    (tmp_path / "feedvault.toml").write_text(text, encoding="utf-8")
    result = feedvault("crawl", "--config", tmp_path / "feedvault.toml")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "duplicate source name" in result.stderr
    assert not (tmp_path / "posts").exists()


def test_config_found_by_env_and_cwd_with_relative_paths(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    text = '[archive]\npath = "out/posts"\n\n[[sources]]\nname = "f"\nurl = "file://feeds/x.xml"\n'
    (tmp_path / "feedvault.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FEEDVAULT_CONFIG", raising=False)
    config = load_config()
    assert config.archive_path == tmp_path.resolve() / "out" / "posts"
    assert config.sources[0].url == (tmp_path.resolve() / "feeds" / "x.xml").as_uri()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("FEEDVAULT_CONFIG", str(tmp_path / "feedvault.toml"))
    assert load_config().file == (tmp_path / "feedvault.toml").resolve()


def test_missing_config_says_what_to_do(tmp_path: Path) -> None:
    result = feedvault("crawl", cwd=tmp_path, env={"FEEDVAULT_CONFIG": ""})
    assert result.returncode == 2
    assert "--config" in result.stderr and "FEEDVAULT_CONFIG" in result.stderr
