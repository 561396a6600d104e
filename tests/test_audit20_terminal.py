"""What `feedvault diff` prints to a terminal shows control characters, never sends them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from archive import Archive, Article
from tests.conftest import feedvault, write_config

# OSC 52 sets the terminal's clipboard; CSI 2J clears the screen; U+009B is CSI on its own;
# U+202E turns the rest of the line around.
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x07"


def _article(title: str, body: str) -> Article:
    return Article(source="blog", title=title, body=body, guid="urn:1",
                   original_url="https://example.invalid/1", date=datetime(2024, 1, 1, tzinfo=UTC))


def test_diff_of_a_hostile_archive_file_sends_no_escape_sequence(tmp_path: Path) -> None:
    # a clone of someone else's archive holds titles and bodies as its author wrote them;
    # an ESC in a body also made html_to_text raise (lxml refuses it): diff crashed
    config = write_config(tmp_path, [{"name": "blog", "url": "file://feed.xml"}])
    with Archive(tmp_path / "posts") as archive:
        archive.put(_article("Plain", "<p>The body says hello.</p>"))
    assert feedvault("snapshot", "--config", config).returncode == 0
    with Archive(tmp_path / "posts") as archive:
        archive.put(_article(f"Evil{CLIPBOARD}\x9b2J\u202etxt.exe",
                             "<p>The body says \x1b[2J\rgoodbye\x9b31m.</p>"))
    for colour in ("never", "always"):
        result = feedvault("diff", "--color", colour, "--config", config)
        assert result.returncode == 1, result.stdout + result.stderr
        text = result.stdout.replace("\x1b[0m", "")
        for code in ("1", "2", "31", "32", "33", "36", "1;31", "1;32"):
            text = text.replace(f"\x1b[{code}m", "")  # the colours diff itself paints
        assert not {"\x1b", "\x07", "\r", "\x9b", "\u202e"} & set(text)
        assert "Evil\\u001b]52;c;cm0gLXJmIH4K\\u0007\\u009b2J\\u202etxt.exe" in text
        assert "goodbye" in text and "\\u009b31m" in text


def test_text_of_a_body_with_control_characters() -> None:
    # lxml refused them with ValueError: diff, snapshot and filters on such a body crashed
    from archive.text import html_to_text

    assert html_to_text("<p>a\x1bb\x00c\ud800d</p><p>e\x0cf</p>") == "abcd\n\nef"


class _Stats(dict):  # the two methods of Scrapy's stats collector the report uses
    def get_value(self, key: str) -> object:
        return self.get(key)

    def set_value(self, key: str, value: object) -> None:
        self[key] = value


def test_a_report_line_is_one_line_without_escape_sequences() -> None:
    # a server's error message or a page's text: it could forge a second report line for
    # another source, or drive the terminal that shows the crawl summary
    from crawler.outcome.report import format_summary, problem, summarize

    stats = _Stats()
    problem(stats, "news", "bad answer (\x1b]0;owned\x07)\n  bank: FAILED \u202eok")
    [summary] = summarize(stats, ["news"])
    table = format_summary([summary])
    assert table.splitlines()[-1] == \
        "  news: bad answer (\\u001b]0;owned\\u0007)\\u000a  bank: FAILED \\u202eok"
    assert "\x1b" not in table and "\u202e" not in table


def test_a_rewritten_body_is_diffed_word_by_word_without_comparing_every_blank() -> None:
    # blanks, every other token, were match starts: a 1,000-word rewrite took 9 s, a
    # 20,000-word one 270 s (`feedvault diff` on a feed that rewrote its articles)
    import random

    from archive.text import word_diff

    rng = random.Random(1)
    old = " ".join(str(rng.randint(0, 10**6)) for _ in range(20_000))
    new = " ".join(str(rng.randint(0, 10**6)) for _ in range(20_000))
    segments = word_diff(old, new)
    assert segments == [("delete", old), ("insert", new)]  # past the budget: replaced whole
    small_old, small_new = old[:6000], " ".join(reversed(old[:6000].split()))
    small = word_diff(small_old, small_new)
    assert "".join(t for op, t in small if op != "insert") == small_old
    assert "".join(t for op, t in small if op != "delete") == small_new
    assert any(op == "equal" and t.strip() for op, t in small)  # words still line up
