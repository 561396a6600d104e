"""UTF-16 and UTF-32 feeds re-encoded as UTF-8, so that byte-level feed defences apply to them."""

from __future__ import annotations

import codecs
import re

from archive.errors import ExtractError
from crawler.feeds import encoding

# The byte-order marks and, without one, the first character's bytes (an XML document starts
# with `<` or whitespace, both ASCII): the XML standard's appendix F. UTF-32 before UTF-16:
# FF FE 00 00 starts both.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE = re.compile(r"utf[-_]?(?:16|32)", re.IGNORECASE)
_XML_ENCODING = re.compile(r"""(<\?xml[^<>]*?encoding\s*=\s*["'])[^"']*(["'])""")
MAX_BAD = 0.01  # share of unreadable characters above which the feed counts as undecodable


def wide_codec(body: bytes) -> tuple[str | None, int]:
    """The UTF-16 or UTF-32 codec the bytes are written in, and the length of their BOM;
    (None, 0) for bytes that read as ASCII (UTF-8 and the other ASCII-compatible charsets)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, len(bom)
    head = body[:4]
    if len(head) < 4:
        return None, 0
    zero = tuple(b == 0 for b in head)
    pattern = {(True, True, True, False): "utf-32-be", (False, True, True, True): "utf-32-le",
               (True, False, True, False): "utf-16-be", (False, True, False, True): "utf-16-le"}
    return pattern.get(zero), 0


def to_utf8(body: bytes, headers: dict[str, str]) -> bytes:
    """The feed as UTF-8 when it is written, or declared, in UTF-16 or UTF-32; other feeds
    are returned untouched. The XML declaration's encoding and headers' Content-Type charset
    (lower-case keys) then say utf-8.

    Raises ExtractError, one line, when the bytes cannot be decoded."""
    codec, bom = wide_codec(body)
    ctype = headers.get("content-type") or ""
    if codec is not None:
        text = body[bom:].decode(codec, "replace")
        bad = text.count("\ufffd") - body[bom:].decode(codec, "ignore").count("\ufffd")
        if bad > MAX_BAD * max(len(text), 1):
            raise ExtractError(f"cannot decode the feed: {bad} of its {len(text)} characters "
                               f"are not {codec.upper()}")
    elif _WIDE.search(encoding.header_charset(ctype) or "") or \
            _WIDE.search(encoding.markup_charset(body) or ""):
        # ASCII bytes cannot be UTF-16: the declaration is wrong, and the bytes are read as
        # a page with a wrong charset is (UTF-8, else what they look like)
        try:
            text = encoding.decode(body).text
        except ExtractError as exc:
            raise ExtractError(str(exc).replace("the page", "the feed")) from None
    else:
        return body
    text = _XML_ENCODING.sub(r"\1utf-8\2", text, count=1)
    kind = ctype.split(";", 1)[0].strip() or "application/xml"
    headers["content-type"] = f"{kind}; charset=utf-8"
    return text.encode("utf-8")
