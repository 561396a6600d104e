"""benchmarks/bench_clean.py measures the body step a crawl runs, on the body it stores."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from pipelines._body import BodyCleaner

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_clean.py"


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_clean", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_markdown_step_converts_the_cleaned_html() -> None:
    # It once converted the text of the CleanBody object ("CleanBody(html='<p>..."),
    # so the benchmark timed Markdown for a string no crawl ever stores.
    html = '<p>Hello <b>world</b>, see <a href="/a">this</a>.</p><script>x()</script>'
    markdown = bench().markdown_step(BodyCleaner(), html, "http://example.com/post")
    assert markdown == "Hello **world**, see [this](http://example.com/a)."
