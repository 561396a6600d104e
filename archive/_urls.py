"""URLs written into archive files: percent-encoded where a character could break out.

A theme prints `headimg` or `original_url` into an attribute (`<img src="{{ headimg }}">`),
often unescaped, and YAML, TOML and template engines each have their own delimiters. A
URL from a feed is hostile input, so every character that is not valid in a URL and can
end an attribute, a tag, a template tag or a line is percent-encoded (as its UTF-8
bytes): C0 and C1 controls, space, DEL, `"` `'` `<` `>` `\\` backtick `{` `}`, and the
Unicode line separators U+2028/U+2029. `'` is valid in RFC 3986, but browsers encode it
in queries too and it closes single-quoted attributes. Everything else stays byte for
byte: valid URLs, percent-escapes (never encoded twice) and non-ASCII letters (IRIs:
CJK paths stay readable, as feeds and browsers show them). Leading and trailing spaces
and controls are stripped, as a browser's URL parser strips them.
"""

from __future__ import annotations

_UNSAFE = [*range(0x21), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029,
           *map(ord, "\"'<>\\`{}"), *range(0xD800, 0xE000)]
_TABLE = {c: "".join(f"%{b:02X}" for b in chr(c).encode("utf-8", "surrogatepass"))
          for c in _UNSAFE}
_STRIP = "".join(chr(c) for c in range(0x21))


def safe_url(url: str) -> str:
    """url with every character that could break out of an attribute percent-encoded."""
    return url.strip(_STRIP).translate(_TABLE)
