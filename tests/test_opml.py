"""OPML in and out: reader exports imported, feedvault's settings round-tripped, hostile files
refused with one line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.config import load_config
from crawler.sources import read_opml, write_opml
from tests.conftest import corpus, feedvault

OPML = Path(__file__).resolve().parent / "opml"  # exports in the shapes of three readers

BASE = """\
# my feeds
[archive]
path = "posts"

[[sources]]
name = "known"
url = "https://known.example/feed"
"""

MINIFLUX = (OPML / "miniflux.opml").read_text(encoding="utf-8")

FRESHRSS = (OPML / "freshrss.opml").read_text(encoding="utf-8")

FEEDLY = (OPML / "feedly.opml").read_text(encoding="utf-8")


def _config(tmp_path: Path, text: str = BASE) -> Path:
    path = tmp_path / "feedvault.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _import(tmp_path: Path, opml: str, name: str, config: Path) -> tuple[str, list[dict]]:
    source = tmp_path / name
    source.write_text(opml, encoding="utf-8")
    result = feedvault("sources", "import", source, "--config", config)
    assert result.returncode == 0, result.stderr
    return result.stdout, tomllib.loads(config.read_text(encoding="utf-8"))["sources"]


def test_miniflux_export(tmp_path: Path) -> None:
    config = _config(tmp_path)
    out, sources = _import(tmp_path, MINIFLUX, "miniflux.opml", config)
    assert sources[1:] == [
        {"name": "ars-technica", "url": "https://feeds.arstechnica.com/arstechnica/index",
         "categories": ["All", "Développement & «code»"]},
        {"name": "ruan-yi-feng-de-wang-luo-ri-zhi", "url": "https://www.ruanyifeng.com/blog/atom.xml",
         "categories": ["Développement & «code»"]},
    ]
    assert "imported 2 sources" in out and "1 already configured" in out
    assert config.read_text(encoding="utf-8").startswith(BASE)
    assert len(load_config(config).sources) == 3


def test_freshrss_export(tmp_path: Path) -> None:
    config = _config(tmp_path)
    out, sources = _import(tmp_path, FRESHRSS, "freshrss.xml", config)
    assert sources[1:] == [
        {"name": "le-monde-fr-actualites-et-infos-en-france-et-dans-le-monde",
         "url": "https://www.lemonde.fr/rss/une.xml", "categories": ["Sans catégorie"],
         "full_text": True, "content_selector": "article"},  # FreshRSS's full-content selector
        {"name": "lwn-net", "url": "https://lwn.net/headlines/rss", "categories": ["Tech", "Linux"]},
    ]
    assert "note: " in out and "frss:cssFullContent 'div[' is not a CSS selector; imported " \
        "without it" in out
    assert 'outline "Site only": no xmlUrl (only the site https://nofeed.example/)' in out
    assert "imported 2 sources" in out and "1 not imported" in out


def test_feedly_export(tmp_path: Path) -> None:
    config = _config(tmp_path)
    out, sources = _import(tmp_path, FEEDLY, "feedly.opml", config)
    assert [(s["name"], s["url"], s.get("categories")) for s in sources[1:]] == [
        ("feeds-bbci-co-uk", "http://feeds.bbci.co.uk/news/rss.xml", ["News"]),
        ("top-level", "https://top.example/rss", None),
    ]
    assert "http://10.1.2.3/feed: refused: 10.1.2.3 is a private-network address" in out
    assert "gopher://old.example/feed: refused: a gopher: URL" in out
    assert "imported 2 sources from" in out and "2 not imported" in out


def test_importing_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _import(tmp_path, MINIFLUX, "a.opml", config)
    before = config.read_text(encoding="utf-8")
    out, _ = _import(tmp_path, MINIFLUX, "a.opml", config)
    assert "imported 0 sources" in out and "3 already configured" in out
    assert config.read_text(encoding="utf-8") == before


def test_an_intranet_feed_is_imported_where_the_owner_allows_its_network(tmp_path: Path) -> None:
    config = _config(tmp_path, BASE + '\n[crawl]\nallow_networks = ["10.0.0.0/8"]\n')
    _, sources = _import(tmp_path, FEEDLY, "feedly.opml", config)
    assert "intranet" in [s["name"] for s in sources]


FULL = """\
# everything a source can say
[archive]
path = "posts"

[crawl]
user_agent = "crawl-wide/1.0"

[[sources]]
name = "Loud_Blog"
url = "https://loud.example/feed?x=1&y=2"
categories = ["Tech", "Linux", "Kernel"]
author = "Ann <ann@loud.example>"
remove = [".ads", "div[class='share']"]
keep = ["figure.wide"]
full_text = true
content_selector = "article .body"
next_page = "xpath://a[@rel='next']"
prefer_page = true
interval = "3h"
id = "link"
robots = false
user_agent = "odd \\"quoted\\" agent"
proxy = "http://proxy.example:3128"
headers = { Referer = "https://loud.example/", X-Token = "${TOKEN}" }
cookies = { session = "a b" }
[sources.backfill]
sitemap = "https://loud.example/sitemap.xml"

[[sources]]
name = "plain"
url = "https://plain.example/atom.xml"

[[sources]]
name = "cron"
url = "https://cron.example/rss"
categories = ["Tech"]
cron = "0 7 * * 1-5"
full_text = false
"""


def test_export_then_import_gives_the_same_sources(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN", "s3cret")
    original = _config(tmp_path, FULL)
    exported = tmp_path / "out.opml"
    result = feedvault("sources", "export", "-o", exported, "--config", original,
                       "--with-secrets")
    assert result.returncode == 0, result.stderr
    text = exported.read_text(encoding="utf-8")
    assert 'xmlns:feedvault="https://feedvault.dev/opml/1"' in text
    assert "${TOKEN}" in text and "s3cret" not in text  # the reference travels, not the secret
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    copy = _config(fresh, FULL.split("[[sources]]")[0])
    result = feedvault("sources", "import", exported, "--config", copy, "--trust-settings")
    assert result.returncode == 0, result.stderr
    assert "imported 3 sources" in result.stdout
    assert "note: Loud_Blog: its settings read ${TOKEN} from the environment" in result.stdout
    # the same settings, source by source (an OPML file groups them by folder)
    assert {s.name: s for s in load_config(copy).sources} == \
        {s.name: s for s in load_config(original).sources}


def test_export_to_standard_output_is_opml_any_reader_takes(tmp_path: Path) -> None:
    result = feedvault("sources", "export", "--config", _config(tmp_path, FULL),
                       env={"TOKEN": "t"})
    assert result.returncode == 0, result.stderr
    found = read_opml(result.stdout.encode(), "stdout")
    assert [s.table["url"] for s in found.sources] == [
        "https://loud.example/feed?x=1&y=2", "https://cron.example/rss",
        "https://plain.example/atom.xml"]
    assert 'text="Tech"' in result.stdout and 'xmlUrl="https://loud.example/feed?x=1&amp;y=2"' \
        in result.stdout


def test_settings_that_do_not_validate_leave_that_source_out(tmp_path: Path) -> None:
    opml = ('<opml version="2.0" xmlns:feedvault="https://feedvault.dev/opml/1"><body>'
            '<outline text="bad" xmlUrl="https://bad.example/f" feedvault:content_selector="&quot;div[&quot;"/>'
            '<outline text="odd" xmlUrl="https://odd.example/f" feedvault:full_text="yes"/>'
            '<outline text="good" xmlUrl="https://good.example/f" feedvault:full_text="false"/>'
            "</body></opml>")
    config = _config(tmp_path)
    out, sources = _import(tmp_path, opml, "x.opml", config)
    assert [s["name"] for s in sources] == ["known", "good"]
    assert "bad: not imported: content_selector:" in out
    assert "feedvault:full_text='yes' is not a TOML value" in out


HOSTILE = {
    "billion-laughs": ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
                       '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                       '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                       '<opml version="2.0"><body><outline text="&c;" xmlUrl="https://x.example/"/>'
                       "</body></opml>", "declares a DTD or entities"),
    "external-entity": ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM '
                        '"file:///etc/passwd">]><opml><body><outline text="&x;" '
                        'xmlUrl="https://x.example/"/></body></opml>', "declares a DTD or entities"),
    "external-dtd": ('<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://127.0.0.1:9/x.dtd">'
                     "<opml><body/></opml>", "declares a DTD or entities"),
    "deep": ("<opml><body>" + '<outline text="x">' * 200 + "</outline>" * 200 + "</body></opml>",
             "nested more than 32 deep"),
    "not-xml": ("<opml><body><outline text='x'></body>", "not a well-formed OPML file"),
    "not-opml": ('<rss version="2.0"><channel/></rss>', "its root element is <rss>"),
    "utf16-entities": ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE opml '
                       '[<!ENTITY a "x">]><opml/>', "declares a DTD or entities"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_opml_is_refused_with_one_line(tmp_path: Path, name: str) -> None:
    text, message = HOSTILE[name]
    path = tmp_path / f"{name}.opml"
    path.write_bytes(text.encode("utf-16" if name.startswith("utf16") else "utf-8"))
    config = _config(tmp_path)
    result = feedvault("sources", "import", path, "--config", config)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert config.read_text(encoding="utf-8") == BASE


def test_a_huge_opml_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.opml"
    with path.open("wb") as handle:
        handle.write(b"<opml><body>")
        handle.truncate(17 * 1024 * 1024)
    result = feedvault("sources", "import", path, "--config", _config(tmp_path))
    assert result.returncode == 2 and "larger than 16 MiB" in result.stderr


def test_the_format_is_named_when_it_cannot_be_told(tmp_path: Path) -> None:
    path = tmp_path / "routes.yml"
    path.write_text("- /woshipm/latest\n", encoding="utf-8")
    config = _config(tmp_path)
    result = feedvault("sources", "import", path, "--config", config)
    assert result.returncode == 2 and "name the format with --from (opml, rsshub-page)" in result.stderr
    result = feedvault("sources", "import", path, "--from", "nope", "--config", config)
    assert result.returncode == 2 and "--from nope: unknown format" in result.stderr


def test_a_feed_located_by_another_key_keeps_xmlurl_for_readers_only() -> None:
    # an RSSHub route (`rsshub = "/x"`) travels as feedvault:rsshub; readers get a real URL
    found = read_opml(b'<opml xmlns:feedvault="https://feedvault.dev/opml/1"><body>'
                      b'<outline text="r" xmlUrl="https://rsshub.app/woshipm/latest" '
                      b'feedvault:rsshub="&quot;/woshipm/latest&quot;"/></body></opml>', "x")
    assert [s.table for s in found.sources] == [{"rsshub": "/woshipm/latest"}]


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1,
                max_size=20)
_SOURCE = st.fixed_dictionaries(
    {"name": st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
     "url": st.builds("https://{}.example/{}".format, st.from_regex(r"[a-z]{1,10}", fullmatch=True),
                      st.from_regex(r"[A-Za-z0-9/?&=%._~-]{0,30}", fullmatch=True))},
    optional={"categories": st.lists(_TEXT.filter(lambda t: t.strip() == t), max_size=3),
              "content_selector": _TEXT, "full_text": st.booleans(),
              "remove": st.lists(_TEXT, max_size=3),
              "headers": st.dictionaries(st.from_regex(r"[A-Za-z-]{1,10}", fullmatch=True), _TEXT,
                                         max_size=2)})


@given(st.lists(_SOURCE, max_size=6, unique_by=(lambda s: s["name"], lambda s: s["url"])))
def test_written_opml_reads_back_as_the_same_tables(sources: list[dict]) -> None:
    found = read_opml(write_opml(sources), "x")
    assert not found.problems
    tables = {s.table["name"]: s.table for s in found.sources}
    # no categories: no folder, and no categories key read back
    assert tables == {s["name"]: {k: v for k, v in s.items() if v or k != "categories"}
                      for s in sources}


def test_a_character_xml_cannot_carry_is_one_error(tmp_path: Path) -> None:
    config = _config(tmp_path, BASE + 'categories = ["a\\u0001b"]\n')
    result = feedvault("sources", "export", "--config", config)
    assert result.returncode == 2
    assert "source 'known': cannot be written as OPML" in result.stderr


@pytest.mark.parametrize("name", ["Subs.opml", "SubsNoTitleAttributes.opml"])
def test_netnewswire_subscription_lists(tmp_path: Path, name: str) -> None:
    path = corpus("feeds", "netnewswire") / name
    config = _config(tmp_path)
    result = feedvault("sources", "import", path, "--config", config)
    assert result.returncode == 0, result.stderr
    # one feed is there twice, written with and without a slash after the host
    assert "imported 206 sources" in result.stdout and "1 listed twice, 0 not imported" \
        in result.stdout
    sources = load_config(config).sources
    assert len({s.name.lower() for s in sources}) == len(sources) == 207
    assert sources[1].name == "daring-fireball" and sources[1].url.startswith("http")


def test_a_strangers_file_cannot_set_what_feedvault_sends_or_where_it_goes(tmp_path: Path) -> None:
    """Without --trust-settings, headers, cookies, user_agent, proxy, backfill and ${NAME}
    from an imported file are left out, each named; the rest of the source is imported."""
    hostile = tmp_path / "list.opml"
    hostile.write_text(
        '<?xml version="1.0"?><opml version="2.0" xmlns:feedvault="https://feedvault.dev/opml/1">'
        "<body><outline text=\"Blog\" type=\"rss\" xmlUrl=\"https://blog.example/feed\" "
        "feedvault:headers='{ Authorization = \"${GITHUB_TOKEN}\" }' "
        "feedvault:proxy='\"http://proxy.example:3128\"' "
        "feedvault:backfill='{ sitemap = \"http://metadata.example/latest\" }' "
        "feedvault:author='\"${HOME}\"' "
        "feedvault:content_selector='\"article\"'/></body></opml>", encoding="utf-8")
    config = _config(tmp_path, FULL.split("[[sources]]")[0])
    result = feedvault("sources", "import", hostile, "--config", config)
    assert result.returncode == 0, result.stderr
    for key in ("headers", "proxy", "backfill", "author"):
        assert f"setting {key!r} left out" in result.stdout, result.stdout
    [source] = load_config(config).sources
    assert (source.url, source.content_selector, source.backfill) == (
        "https://blog.example/feed", "article", None)
    assert source.http.headers == {} or not source.http.headers
    assert source.http.proxy is None and source.author is None
    text = config.read_text(encoding="utf-8")
    assert "GITHUB_TOKEN" not in text and "HOME" not in text and "proxy.example" not in text
