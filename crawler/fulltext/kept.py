"""What an article kept when its page could not be had, said once the store step knows it.

The spider finds that a page failed (an error answer, a timeout, a page that could not be
read, its host down), but not what the article keeps instead: an article the archive already
holds keeps its archived copy (a failed page never replaces an archived full text), any
other is archived with the feed's text, or the pages before the one that failed. So the
spider notes the failure on the item (`page_not_had`) and the step that stores it says
which (`report_kept`): one report line per page, or one per unreachable host. An item
dropped on the way kept nothing: its line names the failure alone.
"""

from __future__ import annotations

from typing import Any

from crawler.health.failures import unreachable
from crawler.items import ArticleItem
from crawler.outcome.report import problem

# The archived copy, whatever it holds: a full text in the usual case, but an article whose
# page failed when it was first archived holds the feed's text; "full text" would be a lie.
ARCHIVED = "the archived text"
FEED_TEXT = "the feed's text"
PAGES_BEFORE = "the pages before it"


def page_not_had(item: ArticleItem, *, first_page: bool, message: str | None = None,
                 host: str | None = None, reason: str | None = None) -> None:
    """Note on item that a page failed: `message` (its report line, without what was kept),
    or the `host` that was down and why (one line per host at the end of the crawl)."""
    item.page_failed = True
    pending = {"kept": FEED_TEXT if first_page else PAGES_BEFORE}
    if host is not None:
        pending.update(host=host, reason=reason or "")
    else:
        pending["message"] = message or "page not fetched"
    item.page_report = pending


def report_kept(stats: Any, item: ArticleItem, *, archived: bool | None) -> None:
    """Report the item's page failure, once: `archived` True when the archived copy stays,
    False when the item is archived with what it has, None when it was dropped."""
    pending, item.page_report = item.page_report, {}
    if not pending:
        return
    kept = ARCHIVED if archived else pending.get("kept", FEED_TEXT)
    if "host" in pending:
        unreachable(stats, item.source, pending["host"], pending.get("reason", ""),
                    "not fetched" if archived is None else f"kept {kept}")
    else:
        message = pending.get("message", "page not fetched")
        problem(stats, item.source, message if archived is None else f"{message}; kept {kept}")
