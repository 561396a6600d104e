"""Article-level differences between two states of an archive, and their text, JSON and HTML reports."""

from archive.diff.as_html import render_html
from archive.diff.as_json import render_json
from archive.diff.as_text import render_stat, render_text
from archive.diff.compare import DEFAULT_IGNORED, ArticleChange, Diff, diff_archive, diff_states, snapshot_state

__all__ = ["DEFAULT_IGNORED", "ArticleChange", "Diff", "diff_archive", "diff_states", "render_html", "render_json",
           "render_stat", "render_text", "snapshot_state"]
