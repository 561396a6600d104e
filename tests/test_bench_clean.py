"""benchmarks/bench_clean.py measures the body step a crawl runs, on the body it stores."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

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


def test_the_html_step_is_the_body_a_crawl_stores() -> None:
    html = '<p>Hello\r\n<b>world</b></p><div class="share-buttons">Tweet</div> '
    assert bench().html_step(BodyCleaner(), html, "http://example.com/post") == (
        "<p>Hello\n<b>world</b></p>")


def test_both_body_steps_print_their_median_and_the_goal(
        capsys: pytest.CaptureFixture[str]) -> None:
    html_rate, markdown_rate = bench().body_steps(BodyCleaner(), 1, 0.0)
    lines = capsys.readouterr().out.splitlines()
    assert html_rate > 0 and markdown_rate > 0
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "HTML (clean, normalize)", "Markdown (clean, normalize, convert, normalize)",
        "goal"]
    assert lines[-1].split(": ")[2].split(" (")[0] in ("met", "not met")
