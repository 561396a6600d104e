"""Body protections: keep template engines and Markdown renderers away from article text.

Each protection is a pair of functions, `escape` for writing and `unescape`
for reading, with `unescape(escape(body)) == body` for every normalized body
(see `normalize`). They are chosen per site generator and body format:

- Hexo, HTML body: Hexo renders a post with Markdown (marked) and then Nunjucks.
  Braces become `&#123;`/`&#125;` (the same characters in HTML) so no
  `{{ }}`, `{% %}` or `{# #}` remains; the body is then made one HTML block
  (a `<div>` wrapper and no blank line: a blank line becomes `&#10;`, the same
  newline in HTML, and the line joins its neighbour) so marked never reads
  `*stars*`, `_underscores_` or four-space indents inside it as Markdown.
  Backticks and runs of three tildes become `&#96;`/`&#126;`: Hexo's own
  code-fence filter rewrites a line starting with ``` or ~~~ even inside HTML.
- Hexo, Markdown body: untouched; the preset writes `disableNunjucks: true`,
  Hexo's own switch, because entities would show literally inside code.
- Hugo: only `{{<` and `{{%` open shortcodes (anything else in content is
  text). HTML body: every brace as an entity, exact everywhere. Markdown body:
  a whole shortcode, `{{< x >}}` or `{{% x %}}`, is written as Hugo's own
  shortcode comment, `{{</* x */>}}` or `{{%/* x */%}}`, which Hugo shows as
  the shortcode's text, exact in text and inside code alike; an opener with no
  closer gets its first brace as `&#123;` (exact in text, shown as `&#123;`
  inside code: Hugo has no escape for an unterminated opener there). A `{` that opens a
  heading's trailing `{...}` (goldmark's heading attributes) is written `&#123;` too.
- Jekyll: Liquid runs before any converter, so the body is wrapped in
  `{% raw %}…{% endraw %}`, exact for HTML and Markdown alike, code included;
  one raw block per blank-line-separated chunk, as Jekyll cuts excerpts there.
  An `{% endraw` inside the body closes the raw block and reopens it around a
  Liquid string that prints `{%`. Markdown body: kramdown then reads `{:` outside code
  as its own syntax (`{::nomarkdown}` lets text through as raw HTML), so there it is
  written `&#123;:`, which kramdown shows as `{:`; code is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_REFS = (("{", "&#123;"), ("}", "&#125;"), ("\n", "&#10;"), ("`", "&#96;"), ("~", "&#126;"))
_TILDE_FENCE = re.compile(r"~{3,}")
_BLANK_LINE_BREAK = re.compile(r"\n(?=[ \t]*(?:\n|$))")
_HEXO_OPEN, _HEXO_CLOSE = "<div>\n", "\n</div>"
_HUGO_ESCAPE = re.compile(  # a whole shortcode (no other opener inside it), or a lone opener
    r"\{\{<((?:(?!\{\{[<%]).)*?)>\}\}|\{\{%((?:(?!\{\{[<%]).)*?)%\}\}|\{(?=\{[<%])", re.S)
# goldmark (Hugo) reads a heading's last `{...}` as its attributes (`## Title {.cls #id}`):
# from article text, that brace is written `&#123;`.
_HEADING_ATTRIBUTES = re.compile(r"^([ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?#{1,6}[ \t][^\n]*?)\{(?=[^{}\n]*\}[ \t]*$)",
                                 re.M)
_HUGO_COMMENT = re.compile(r"\{\{</\*(.*?)\*/>\}\}|\{\{%/\*(.*?)\*/%\}\}", re.S)
_RAW_OPEN, _RAW_CLOSE, _RAW_JOIN = "{% raw %}", "{% endraw %}", "\n\n"
_ENDRAW = re.compile(r"\{%(?=-?\s*endraw)")
_ENDRAW_MARK = '{% endraw %}{{ "{%" }}{% raw %}'
# kramdown (Jekyll's Markdown) reads `{:` outside code as its own syntax: `{::nomarkdown}`
# passes the text after it through as raw HTML (text the converter escaped, `\<script \>`,
# became a script), `{: ...}` sets attributes. There it is written `&#123;:` (kramdown shows
# `{:`); fenced blocks and code spans, where kramdown reads no `{:`, are left as they are.
_KRAMDOWN_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(?:(?!\n[ \t]*\n).)*?(?<!`)\1(?!`)", re.S)


def normalize(body: str) -> str:
    """The body as the archive stores it: the references protections use folded, blanks stripped.

    Cleaned HTML never writes these references for text (its serializer writes
    braces and newlines literally; only attribute values may say `&#10;`), so
    folding them changes no page and makes every protection exactly reversible.
    Line endings become `\n`, as HTML and Markdown parsers read them anyway.
    """
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if "&#" in body:  # every reference starts so: one scan instead of five when none is there
        for char, ref in _REFS:
            body = body.replace(ref, char)
    return body.strip()


@dataclass(frozen=True)
class Protection:
    """How one site generator's body is written safely, and read back."""

    escape: Callable[[str], str]
    unescape: Callable[[str], str]


def _identity(body: str) -> str:
    return body


def _braces(body: str) -> str:
    return body.replace("{", "&#123;").replace("}", "&#125;")


def _unbraces(body: str) -> str:
    return body.replace("&#123;", "{").replace("&#125;", "}")


def _hexo_html(body: str) -> str:
    body = body.replace("`", "&#96;")
    if "~~~" in body:  # the regex alone costs more than the rest of the escape
        body = _TILDE_FENCE.sub(lambda m: "&#126;" * len(m.group()), body)
    return _HEXO_OPEN + _BLANK_LINE_BREAK.sub("&#10;", _braces(body)) + _HEXO_CLOSE


def _unhexo_html(text: str) -> str:
    if text.startswith(_HEXO_OPEN.rstrip("\n")) and text.endswith(_HEXO_CLOSE.lstrip("\n")):
        text = text[len(_HEXO_OPEN.rstrip("\n")):-len(_HEXO_CLOSE.lstrip("\n"))]
    for char, ref in (("\n", "&#10;"), ("`", "&#96;"), ("~", "&#126;")):
        text = text.replace(ref, char)
    return _unbraces(text).strip()


def _hugo_comment(match: re.Match[str]) -> str:
    angle, percent = match.group(1), match.group(2)
    if angle is not None:
        return "{{</*" + angle + "*/>}}"
    if percent is not None:
        return "{{%/*" + percent + "*/%}}"
    return "&#123;"


def _hugo_uncomment(match: re.Match[str]) -> str:
    angle = match.group(1)
    return "{{<" + angle + ">}}" if angle is not None else "{{%" + match.group(2) + "%}}"


def _hugo_markdown(body: str) -> str:
    if "{" in body and "#" in body:
        body = _outside_fences(body, lambda text: _HEADING_ATTRIBUTES.sub(r"\1&#123;", text))
    if "{{" not in body:
        return body
    return _HUGO_ESCAPE.sub(_hugo_comment, body)


def _unhugo_markdown(text: str) -> str:
    if "/*" in text:
        text = _HUGO_COMMENT.sub(_hugo_uncomment, text)
    return _unbraces(text)


def _liquid_raw(body: str) -> str:
    # One raw block per blank-line-separated chunk: Jekyll cuts the excerpt at the
    # first blank line, and a cut inside a Liquid block makes it warn for every post.
    chunks = _ENDRAW.sub(_ENDRAW_MARK, body).split("\n\n")
    return _RAW_JOIN.join(_RAW_OPEN + chunk + _RAW_CLOSE for chunk in chunks)


def _kramdown(body: str) -> str:
    return _outside_fences(body, _outside_spans) if "{:" in body else body


def _outside_fences(body: str, change: Callable[[str], str]) -> str:
    """body with change applied to the text outside fenced code blocks."""
    chunks, text, fence = [], [], ""
    for line in body.split("\n"):
        opening = _KRAMDOWN_FENCE.match(line)
        if fence or opening:
            if not fence:
                chunks += [change("\n".join(text))] if text else []
                text, fence = [], opening.group(1)  # type: ignore[union-attr]
            elif opening and opening.group(1).startswith(fence) and not line[opening.end():].strip():
                fence = ""
            chunks.append(line)
        else:
            text.append(line)
    chunks += [change("\n".join(text))] if text else []
    return "\n".join(chunks)


def _outside_spans(text: str) -> str:
    parts, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts += [text[last:span.start()].replace("{:", "&#123;:"), span.group()]
        last = span.end()
    return "".join([*parts, text[last:].replace("{:", "&#123;:")])


def _kramdown_raw(body: str) -> str:
    return _liquid_raw(_kramdown(body))


def _unkramdown_raw(text: str) -> str:
    return _unbraces(_unliquid_raw(text))


def _unliquid_raw(text: str) -> str:
    if text.startswith(_RAW_OPEN) and text.endswith(_RAW_CLOSE):
        text = text[len(_RAW_OPEN):-len(_RAW_CLOSE)]
    return text.replace(_RAW_JOIN.join((_RAW_CLOSE, _RAW_OPEN)), "\n\n").replace(
        _ENDRAW_MARK, "{%").strip()


NONE = Protection(_identity, _identity)
BRACES = Protection(_braces, _unbraces)
HEXO_HTML = Protection(_hexo_html, _unhexo_html)
HUGO_MARKDOWN = Protection(_hugo_markdown, _unhugo_markdown)
LIQUID_RAW = Protection(_liquid_raw, _unliquid_raw)
KRAMDOWN_RAW = Protection(_kramdown_raw, _unkramdown_raw)
