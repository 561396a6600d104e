"""The diff as one self-contained HTML page: a summary, then old and new side by side."""

from __future__ import annotations

from html import escape
from typing import Any

from archive.diff.as_text import summary_line
from archive.diff.compare import STATUSES, ArticleChange, Diff

# Nothing outside this file may load: the page stays readable offline and as an attachment.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:80em;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}
td.n{text-align:right}.path{color:#666;font-family:monospace;font-size:.9em}
.added{color:#1a7f37}.removed{color:#cf222e}.moved{color:#0969da}.changed{color:#9a6700}
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.sbs>div{white-space:pre-wrap;border:1px solid #ddd;padding:.6em;overflow-wrap:anywhere}
.why{font-size:.85em;border:1px solid #ccc;border-radius:.6em;padding:0 .4em;color:#555}
del{background:#ffd7d5;text-decoration:line-through}ins{background:#ccffd8;text-decoration:none}
"""


def _count_table(diff: Diff) -> str:
    head = "".join(f"<th class={s}>{s}</th>" for s in STATUSES)
    rows = [f"<tr><th>source</th>{head}</tr>"]
    for name, row in diff.by_source().items():
        cells = "".join(f"<td class=n>{row[s]}</td>" for s in STATUSES)
        rows.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
    total = "".join(f"<td class=n><b>{diff.counts[s]}</b></td>" for s in STATUSES)
    rows.append(f"<tr><td><b>total</b></td>{total}</tr>")
    return "<table class=summary>" + "".join(rows) + "</table>"


def _value(value: Any) -> str:
    return "<i>(none)</i>" if value is None else escape(str(value))


def _where(change: ArticleChange) -> str:
    if change.status == "moved":
        return f"{escape(change.old_path or '')} → {escape(change.new_path or '')}"
    return escape(change.path)


def _why(change: ArticleChange) -> str:
    return f" <span class=why>{escape(change.provenance)}</span>" if change.provenance else ""


def _details(n: int, change: ArticleChange) -> str:
    parts = [f'<section id="a{n}"><h2><span class={change.status}>{change.status}</span> '
             f"{escape(change.title)}{_why(change)}</h2><p class=path>{_where(change)}</p>"]
    if change.fields:
        rows = "".join(f"<tr><td>{escape(f.name)}</td><td><del>{_value(f.old)}</del></td>"
                       f"<td><ins>{_value(f.new)}</ins></td></tr>" for f in change.fields)
        parts.append("<table class=fields><tr><th>field</th><th>old</th><th>new</th></tr>"
                     f"{rows}</table>")
    if change.body is not None:
        old = "".join(escape(t) if op == "equal" else f"<del>{escape(t)}</del>"
                      for op, t in change.body if op != "insert")
        new = "".join(escape(t) if op == "equal" else f"<ins>{escape(t)}</ins>"
                      for op, t in change.body if op != "delete")
        note = " (markup only: the text reads the same)" if change.markup_only else ""
        parts.append(f"<p>body{note}</p><div class=sbs><div class=old>{old}</div>"
                     f"<div class=new>{new}</div></div>")
    parts.append("</section>")
    return "".join(parts)


def render_html(diff: Diff) -> str:
    listing, details = [], []
    for n, change in enumerate(diff.articles):
        title = escape(change.title)
        if change.fields or change.body is not None:
            title = f'<a href="#a{n}">{title}</a>'
            details.append(_details(n, change))
        listing.append(f"<li><span class={change.status}>{change.status}</span> {title}"
                       f"{_why(change)} <span class=path>{_where(change)}</span></li>")
    listing += [f"<li><span class={f.status}>file {f.status}</span> "
                f"<span class=path>{escape(f.path)}</span></li>" for f in diff.files]
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>feedvault diff</title><style>{_STYLE}</style></head><body>"
        f"<h1>feedvault diff</h1><p>old: {escape(diff.old.label)}<br>"
        f"new: {escape(diff.new.label)}</p>"
        f"<p id=summary>{escape(summary_line(diff))}</p>"
        + "".join(f"<p class=note>{escape(note)}</p>" for note in diff.notes)
        + f"{_count_table(diff)}"
        f"<ul>{''.join(listing)}</ul>{''.join(details)}</body></html>\n"
    )
