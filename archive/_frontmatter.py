"""Front-matter syntaxes: YAML (`---`) and TOML (`+++`), through python-frontmatter handlers.

python-frontmatter's own TOMLHandler needs the unmaintained `toml` package;
this one reads with the standard library's `tomllib` and writes with
`tomli-w`, its maintained writing counterpart (TOML 1.0, one line per string,
so no value can forge a `+++` line).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from typing import Any

import frontmatter
import tomli_w
from frontmatter.default_handlers import BaseHandler, YAMLHandler

FRONT_MATTER_FORMATS = ("yaml", "toml")


class TOMLHandler(BaseHandler):
    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str) -> dict[str, Any]:
        return tomllib.loads(fm)

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        return tomli_w.dumps(metadata).strip()


_HANDLERS: Mapping[str, BaseHandler] = {"yaml": YAMLHandler(), "toml": TOMLHandler()}


def dumps(metadata: Mapping[str, Any], body: str, syntax: str) -> str:
    """A whole file: delimited front matter, a blank line, the body, a final newline."""
    post = frontmatter.Post(body, **metadata)
    if syntax == "yaml":
        text = frontmatter.dumps(post, handler=_HANDLERS["yaml"], sort_keys=False,
                                 width=1 << 20, allow_unicode=True)
    else:
        text = frontmatter.dumps(post, handler=_HANDLERS[syntax])
    return text + "\n"


def loads(text: str, syntax: str) -> tuple[dict[str, Any], str]:
    """Front matter and body of a file in the given syntax (raises what the parser raises)."""
    handler = _HANDLERS[syntax]
    if not handler.detect(text.lstrip("\ufeff")):
        raise ValueError(f"the file does not start with {handler.START_DELIMITER}")
    post = frontmatter.loads(text.lstrip("\ufeff"), handler=handler)
    return dict(post.metadata), post.content
