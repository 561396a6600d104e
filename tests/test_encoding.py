"""Pages and feeds in CJK and Cyrillic encodings, declared in the header, the markup, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import ExtractError
from crawler.feeds.encoding import decode
from crawler.feeds.parse import parse_feed
from tests.conftest import LocalSite, archive_files, corpus, feedvault, write_config

# 《》 and 「」 punctuation plus characters outside GB2312 (镕, 喆) that real "gb2312" pages use
CHINESE = "朱镕基和陶喆在北京讨论经济发展的问题，记者报道了会议的详细内容。" * 20
TRADITIONAL = "臺灣的經濟發展與文化傳統，記者在會議上報導了詳細的內容。" * 20
JAPANESE = "東京で開かれた会議について、記者が詳しく報道しました。ありがとうございます。" * 20
KOREAN = "서울에서 열린 회의에 대해 기자가 자세히 보도했습니다. 감사합니다." * 20
RUSSIAN = "Журналист подробно рассказал о встрече, которая прошла в Москве. " * 20


def _page(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


CASES = [
    # (label, text, codec that writes the bytes, Content-Type header, <meta> in the markup)
    ("gb2312 page without any charset", CHINESE, "gb18030", None, ""),
    ("gbk declared as gb2312 in meta", CHINESE, "gb18030", "text/html",
     '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'),
    ("gb18030 declared in header only", CHINESE, "gb18030", "text/html; charset=GBK", ""),
    ("big5 with charset in header only", TRADITIONAL, "big5", "text/html; charset=big5", ""),
    ("big5 without charset", TRADITIONAL, "big5", "text/html", ""),
    ("shift_jis declared in meta", JAPANESE, "shift_jis", None, '<meta charset="Shift_JIS">'),
    ("shift_jis without charset", JAPANESE, "shift_jis", "text/html", ""),
    ("euc-kr in header", KOREAN, "euc-kr", "text/html; charset=euc-kr", ""),
    ("euc-kr without charset", KOREAN, "euc-kr", None, ""),
    ("windows-1251 in meta", RUSSIAN, "cp1251", None, '<meta charset="windows-1251">'),
    ("windows-1251 without charset", RUSSIAN, "cp1251", "text/html", ""),
    ("gb2312 page mislabelled iso-8859-1 by the server", CHINESE, "gb18030",
     "text/html; charset=ISO-8859-1", ""),
    ("utf-8 page labelled gb2312 in meta", CHINESE, "utf-8", None,
     '<meta charset="gb2312">'),
]


@pytest.mark.parametrize(("label", "text", "codec", "header", "meta"), CASES,
                         ids=[c[0] for c in CASES])
def test_page_decodes_to_the_original_text(label: str, text: str, codec: str,
                                           header: str | None, meta: str) -> None:
    body = _page(text, meta).encode(codec)
    decoded = decode(body, header)
    assert text in decoded.text, (label, decoded.encoding, decoded.text[:80])


def test_undecodable_page_is_an_error_not_garbage() -> None:
    noise = bytes(range(0x80, 0x100)) * 200 + b"\x00\xff\xfe" * 100
    with pytest.raises(ExtractError, match="cannot decode"):
        decode(b"<html><body>" + noise + b"</body></html>", "text/html")


EXPECTED_TITLES = {
    "big5.xml": None,  # the title is on the feed, not an item
    "eucjp.xml": "ゲーム三昧な正月",
    "euckr.xml": "EUC-KR 에서 TypeKey 한글닉네임 표시하기",
    "gb2312.xml": "不归移民漫画系列：专业工作",
    "koi8r.xml": "Как пережить новогоднюю ночь",
    "shiftjis.xml": "DrecomRSSに記事投稿が反映されない…",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_TITLES))
def test_feed_in_undeclared_encoding_parses(name: str) -> None:
    body = (corpus("feeds", "feedparser", "illformed", "chardet") / name).read_bytes()
    feed = parse_feed(body, "http://example.invalid/feed.xml", {})
    expected = EXPECTED_TITLES[name]
    if expected is None:
        assert feed.title and feed.title.startswith("我希望")
    else:
        assert [e.title for e in feed.entries][:1] == [expected]


# Latin-script text with no charset anywhere, written by windows-1252 software.
LATIN = {
    "portuguese": "Os muçulmanos da região celebraram a festa; a comunicação social não "
                  "esteve presente. «Ações e opiniões» – disse o João – custaram 30 €.",
    "spanish": "El niño comió paella en casa de la señora Núñez: «¡qué bien!», dijo. "
               "Mañana — según él — el café costará 2 € más. ¿Verdad?",
    "french": "L’œuvre de Noël était très appréciée « à côté » du théâtre – c’est déjà "
              "fini. Le cœur des élèves français bat pour 5 € ; “voilà” !",
    # French typography: no-break spaces (\xa0) before : ; ! ? and inside « »
    "french_typography": "Il a dit\xa0: «\xa0c’est déjà l’été\xa0!\xa0» – à côté\xa0–\xa0très "
                         "bien\xa0; où\xa0? Noël… l’œuvre coûte 12\xa0€.",
    "german": "Die Straße in München ist schön; Grüße aus Köln – „Über alles“, sagte er. "
              "Fußgänger müssen 3 € zahlen — für Bürger ändert sich nichts.",
}


def _title(text: str) -> str:
    """As a title is archived: no-break spaces become spaces."""
    return text.replace("\xa0", " ")


def _html(text: str) -> str:
    """As a body is archived: lxml writes no-break spaces as &nbsp;."""
    return text.replace("\xa0", "&nbsp;")


@pytest.mark.parametrize("language", sorted(LATIN))
@pytest.mark.parametrize("repeat", [1, 20])
def test_undeclared_windows_1252_page_reads_exactly(language: str, repeat: int) -> None:
    text = " ".join([LATIN[language]] * repeat)
    decoded = decode(_page(text).encode("cp1252"), "text/html")
    assert text in decoded.text, (decoded.encoding, decoded.text[:120])


def _latin_feed(language: str, link: str = "http://example.invalid/a") -> bytes:
    text = LATIN[language]
    return ("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Notícias</title>"
            f"<item><title>{text[:40]}</title><link>{link}</link><guid>urn:{language}</guid>"
            f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item></channel></rss>"
            ).encode("cp1252")


@pytest.mark.parametrize("language", sorted(LATIN))
def test_undeclared_windows_1252_feed_reads_exactly(language: str) -> None:
    feed = parse_feed(_latin_feed(language), "http://example.invalid/feed.xml",
                      {"content-type": "application/rss+xml"})
    assert feed.title == "Notícias"
    assert feed.entries[0].title == _title(LATIN[language][:40])
    assert LATIN[language] in feed.entries[0].content


@pytest.mark.parametrize("language", sorted(LATIN))
def test_windows_1252_bytes_declared_utf_8_read_exactly(language: str) -> None:
    """A declaration that does not read the bytes is no declaration: a common CMS mistake."""
    text = LATIN[language]
    decoded = decode(_page(text, '<meta charset="utf-8">').encode("cp1252"),
                     "text/html; charset=utf-8")
    assert text in decoded.text, (decoded.encoding, decoded.text[:120])
    feed = _latin_feed(language).replace(b'<?xml version="1.0"?>',
                                         b'<?xml version="1.0" encoding="UTF-8"?>')
    parsed = parse_feed(feed, "http://example.invalid/feed.xml",
                        {"content-type": "application/rss+xml; charset=utf-8"})
    assert parsed.entries[0].title == _title(text[:40])


@pytest.mark.parametrize(("text", "codec"), [
    ("Příliš žlučoučký kůň úpěl ďábelské ódy; Václav řekl, že všechno bude v pořádku.",
     "cp1250"),
    ("Zażółć gęślą jaźń. Ładny dzień w Krakowie, ale było zimno i mokro.", "cp1250"),
    ("Türkiye'nin başkenti Ankara'dır. Işık hızında gelişen teknoloji, öğrenciler için "
     "önemlidir.", "cp1254"),
    ("Ο δημοσιογράφος μίλησε για τη συνάντηση στην Αθήνα.", "cp1253"),
], ids=["czech", "polish", "turkish", "greek"])
def test_other_code_pages_still_win_when_the_bytes_show_them(text: str, codec: str) -> None:
    text = " ".join([text] * 3)
    decoded = decode(_page(text).encode(codec), None)
    assert text in decoded.text, (decoded.encoding, decoded.text[:120])


def test_undeclared_windows_1252_feed_and_pages_are_archived_exactly(
        site: LocalSite, tmp_path: Path) -> None:
    """A real crawl: feed and article pages served with no charset in header or markup."""
    pages = {}
    for language, text in LATIN.items():
        page = (f"<html><head><title>{language}</title></head><body><article>"
                f"<h1>{language}</h1>" + "".join(f"<p>{text}</p>" for _ in range(6))
                + "</article></body></html>")
        (site.root / f"{language}.html").write_bytes(page.encode("cp1252"))
        pages[language] = site.url(f"{language}.html")
    items = "".join(
        f"<item><title>{LATIN[lang][:40]}</title><link>{pages[lang]}</link>"
        f"<guid>urn:{lang}</guid><description>Resumo…</description></item>" for lang in LATIN)
    (site.root / "feed.xml").write_bytes(
        ("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Notícias</title>"
         f"{items}</channel></rss>").encode("cp1252"))
    config = write_config(tmp_path, follow_pages=True,
                          sources=[{"name": "latin", "url": site.url("feed.xml")}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stderr[-2000:]
    files = archive_files(tmp_path / "posts")
    assert len(files) == len(LATIN)
    archived = "\n".join(f.read_text(encoding="utf-8") for f in files)
    for text in LATIN.values():
        assert _title(text[:40]) in archived  # the feed's titles
        assert archived.count(_html(text)) >= 6  # the pages' paragraphs


def test_extract_command_reads_undeclared_windows_1252_pages(tmp_path: Path) -> None:
    """`feedvault extract` on saved pages: the page extraction path outside a crawl."""
    import json

    inputs = []
    for language, text in sorted(LATIN.items()):
        page = tmp_path / f"{language}.html"
        page.write_bytes((f"<html><head><title>{language}</title></head><body><article>"
                          + "".join(f"<p>{text}</p>" for _ in range(6))
                          + "</article></body></html>").encode("cp1252"))
        inputs.append(str(page))
    result = feedvault("extract", "--jsonl", "--url", "http://fakehost/a.html", *inputs)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == len(LATIN)
    for language, line in zip(sorted(LATIN), lines, strict=True):
        assert line["error"] is None
        words = " ".join(LATIN[language].split())  # the text output is whitespace-normalized
        assert " ".join(line["text"].split()).count(words) == 6, (language, line["text"][:200])


def test_c1_code_points_in_a_feed_read_as_cp1252_among_any_other_text() -> None:
    """feedparser reads U+0080-U+009F as the cp1252 characters they were meant to be
    (`&#147;` is a curly quote); the faster table it is given keeps that, and every other
    character as it is, Latin, CJK or beyond the Basic Multilingual Plane."""
    title = "&#147;Caf\u00e9&#148; \u4e2d\u6587 \U0001f600 &#128;5"
    feed = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f'<item><title>{title}</title><guid>g1</guid>'
            f'<description>&lt;p&gt;{title}&lt;/p&gt;</description></item></channel></rss>')
    [entry] = parse_feed(feed.encode("utf-8"), "http://127.0.0.1/feed.xml").entries
    expected = "\u201cCaf\u00e9\u201d \u4e2d\u6587 \U0001f600 \u20ac5"
    assert (entry.title, entry.content) == (expected, f"<p>{expected}</p>")


def test_the_faster_cp1252_table_translates_every_code_point_as_feedparsers() -> None:
    from crawler.feeds._cp1252 import as_sequence

    table = {}
    for point in range(0x80, 0xA0):
        try:
            table[point] = bytes([point]).decode("cp1252")
        except UnicodeDecodeError:
            continue  # five code points cp1252 leaves undefined stay as they are
    everything = "".join(map(chr, range(0x110000)))
    assert everything.translate(as_sequence(table)) == everything.translate(table)
