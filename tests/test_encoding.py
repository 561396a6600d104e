"""Pages and feeds in CJK and Cyrillic encodings, declared in the header, the markup, or not at all."""

from __future__ import annotations

import pytest

from archive.errors import ExtractError
from crawler.encoding import decode
from crawler.feeds import parse_feed

from .conftest import corpus

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
