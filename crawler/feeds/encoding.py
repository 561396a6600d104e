"""Bytes to text for pages and feeds: BOM, header, markup, then detection; CJK- and Latin-aware."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
from charset_normalizer import CharsetMatches

from archive.errors import ExtractError

# Names as pages spell them → the codec that reads what real pages contain.
# GB2312 and GBK pages use GB18030-only characters; Big5 pages use HKSCS ones.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "cp936": "gb18030", "hz-gb-2312": "gb18030",
    "big5": "big5hkscs", "x-x-big5": "big5hkscs", "cp950": "big5hkscs",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "ms_kanji": "cp932", "windows-31j": "cp932",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "korean": "cp949",
    "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "iso-8859-9": "cp1254", "tis-620": "cp874", "iso-8859-11": "cp874",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "euc_kr": "cp949", "iso8859-1": "cp1252",
}
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:+-]+)""", re.I)
_META = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.+-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CJK = ("gb18030", "big5hkscs", "cp932", "cp949")
_MULTIBYTE = {"gb18030", "big5hkscs", "cp932", "cp949", "euc_jp", "euc_jis_2004", "euc_kr",
              "shift_jis", "shift_jis_2004", "iso2022_jp", "gbk", "gb2312", "big5", "cp950",
              "johab", "hz", "euc_jisx0213", "shift_jisx0213", "utf-16", "utf-32"}
_SINGLE_BYTE_LATIN = {"cp1252", "cp1254", "iso8859-15"}
MAX_BAD = 0.01  # share of replacement characters above which a page counts as undecodable
_SNIFF = 64 * 1024
_HIGH = bytes(range(0x80, 0x100))
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_WINDOWS_LATIN = {"cp1250", "cp1254", "cp1257", "cp1258"}
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# a non-letter between two letters: how other code pages' letters read in windows-1252
# (not spaces, apostrophes, dashes, the Catalan middle dot or the soft hyphen)
_IN_WORD_SYMBOL = re.compile(r"(?<=[^\W\d_])(?![\w\s’‘·\xad–—…])[^\x00-\x7f](?=[^\W\d_])")


@dataclass(frozen=True)
class Decoded:
    """Text with the codec that produced it and how it was chosen."""

    text: str
    encoding: str
    how: str  # "bom", "header", "markup", "detected"


def normalize(name: str | None) -> str | None:
    """A codec Python knows for a charset label, widened to its real-world superset."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _SUPERSETS.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return _SUPERSETS.get(codec, codec)


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET.search(content_type.encode("latin-1", "replace"))
    return normalize(match.group(1).decode("ascii")) if match else None


def markup_charset(body: bytes) -> str | None:
    """The charset an XML declaration or an HTML <meta> near the top declares."""
    head = body[:_SNIFF]
    match = _XML_DECL.match(head) or _META.search(head)
    return normalize(match.group(1).decode("ascii")) if match else None


def _bad_share(text: str, body: bytes) -> float:
    sample = body[:_SNIFF]
    high = len(sample) - len(sample.translate(None, _HIGH)) or 1
    return text[:_SNIFF].count("\ufffd") / high


def _cjk_fit(body: bytes, codec: str) -> float:
    """How well body reads in a CJK codec: the share of common characters of its script."""
    sample = body[:_SNIFF]
    text = sample.decode(codec, "replace")
    wide = [c for c in text if ord(c) >= 0x80][:4000]
    if not wide:
        return 0.0
    good = 0
    for c in wide:
        o = ord(c)
        if 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or o in (0x2014, 0x2026, 0x201C,
                                                                     0x201D):
            good += 1
        elif codec == "cp949":
            good += 0xAC00 <= o <= 0xD7A3
        elif codec == "cp932":
            good += 0x3040 <= o <= 0x30FF or (0x4E00 <= o <= 0x9FFF and _common(c, "cp932"))
        elif 0x4E00 <= o <= 0x9FFF:
            good += _common(c, codec)
    return good / len(wide)


def _common(char: str, codec: str) -> bool:
    """Whether a CJK ideograph is among the frequent ones of that codec's region."""
    try:
        raw = char.encode({"gb18030": "gb2312", "big5hkscs": "big5", "cp932": "shift_jis"}[codec])
    except (UnicodeEncodeError, KeyError):
        return False
    if codec == "gb18030":
        return 0xB0 <= raw[0] <= 0xD7  # GB2312 level 1: the 3,755 most common hanzi
    if codec == "big5hkscs":
        return 0xA4 <= raw[0] <= 0xC6  # Big5 frequently used characters
    return 0x88 <= raw[0] <= 0x98  # JIS level 1 kanji


def detect(body: bytes) -> str | None:
    """The likeliest codec for undeclared bytes; never a single-byte Latin one for CJK text.

    charset-normalizer decides, except that its single-byte answers (or none, when a few
    bytes are invalid) lose to a CJK codec in which nearly all characters are common ones.
    """
    sample = body[:_SNIFF]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a character cut at the sample's end
            return "utf-8"
    results = charset_normalizer.from_bytes(sample)
    latin = _latin(sample, results)
    if latin is not None:
        return latin
    guess = results.best()
    codec = normalize(guess.encoding) if guess is not None else None
    if codec is not None and codecs.lookup(codec).name in _MULTIBYTE:
        return codec
    fits = {c: _cjk_fit(sample, c) for c in _CJK}
    best = max(fits, key=lambda c: fits[c])
    if fits[best] >= 0.8:
        return best
    return codec  # None: nothing reads it (binary data, or noise)


def decode(body: bytes, content_type: str | None = None, *, url: str = "") -> Decoded:
    """Decode a page or feed; raises ExtractError when no codec reads it cleanly."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(codec, "replace"), codec.removesuffix("-sig"), "bom")
    tried: list[tuple[str, str]] = []
    for how, declared in (("header", header_charset(content_type)),
                          ("markup", markup_charset(body))):
        if declared and declared not in (c for _, c in tried):
            tried.append((how, declared))
    for how, codec in tried:
        if codec in ("utf-16", "utf-32", "utf-16-le", "utf-16-be"):
            continue  # a declaration in ASCII bytes cannot be right about a UTF-16 body
        if codec in _SINGLE_BYTE_LATIN and _has_cjk_shape(body):
            continue  # servers default to ISO-8859-1; CJK bytes need their own codec
        text = body.decode(codec, "replace")
        if _bad_share(text, body) <= MAX_BAD:
            return Decoded(text, codec, how)
    guess = detect(body)
    text = body.decode(guess, "replace") if guess else ""
    if guess is None or _bad_share(text, body) > MAX_BAD * 5:
        where = f"{url}: " if url else ""
        raise ExtractError(f"{where}cannot decode the page: no declared or detected charset "
                           f"reads it (tried {', '.join(c for _, c in tried) or 'none'}, {guess})")
    return Decoded(text, guess, "detected")


def _latin(sample: bytes, results: CharsetMatches) -> str | None:
    """windows-1252 for Latin-script text that reads cleanly in it, as a browser would.

    Latin-script: nearly all non-ASCII bytes stand alone or in pairs among ASCII letters
    (Cyrillic, Greek or CJK bytes come in long runs). windows-1252 is chosen unless the
    bytes show otherwise: a byte it leaves undefined, a symbol inside a word (Polish ł
    read as ³), or another Windows Latin code page that charset-normalizer finds less
    messy or clearly more like a language (Czech, Turkish). Rarer code pages (Mac,
    DOS, ISO-8859-13...) never win over windows-1252 here: otherwise Portuguese
    "muçulmanos" is archived as "muēulmanos".
    """
    runs = _HIGH_RUN.findall(sample)
    high = sum(len(r) for r in runs)
    if not high or sum(len(r) for r in runs if len(r) <= 2) < 0.8 * high:
        return None
    if _CP1252_UNDEFINED.search(sample):
        return None
    text = sample.decode("cp1252")
    if len(_IN_WORD_SYMBOL.findall(text)) > max(1, high // 50):
        return None
    ours = next((m for m in results if "cp1252" in m.could_be_from_charset), None)
    best = results.best()
    if ours is not None and best is not None and best is not ours \
            and codecs.lookup(best.encoding).name in _WINDOWS_LATIN \
            and (best.chaos < ours.chaos or best.coherence >= ours.coherence + 0.05):
        return None
    return "cp1252"


def _has_cjk_shape(body: bytes) -> bool:
    fits = [_cjk_fit(body, codec) for codec in _CJK]
    return max(fits) >= 0.6
