"""The end-of-reextract table: per source, rebuilt, changed, unchanged, without captures, failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.replay.plan import ReplayPlan


@dataclass
class Rebuilt:
    name: str
    rebuilt: int = 0
    changed: int = 0
    unchanged: int = 0
    without: list[str] = field(default_factory=list)  # paths of articles without captures
    failed: int = 0
    problems: list[str] = field(default_factory=list)


def tally(plan: ReplayPlan, stats: dict[str, Any]) -> list[Rebuilt]:
    rows = {name: Rebuilt(name, without=plan.without.get(name, [])) for name in plan.sources}
    for planned in plan.articles.values():
        row = rows[planned.source]
        if planned.state == "done":
            row.rebuilt += 1
            if planned.status == "unchanged":
                row.unchanged += 1
            else:
                row.changed += 1
        elif planned.state == "failed":
            row.failed += 1
    for row in rows.values():
        row.problems = list(stats.get(f"feedvault/{row.name}/problems", []))
        if stats.get(f"feedvault/{row.name}/broken") and not row.failed:
            row.failed = 1  # the source itself failed (its feed capture, say)
    return list(rows.values())


def format_table(rows: list[Rebuilt], plan: ReplayPlan) -> str:
    width = max([len("source"), *(len(r.name) for r in rows)])
    lines = [f"{'source':<{width}}  {'rebuilt':>7} {'changed':>7} {'unchanged':>9} "
             f"{'without-captures':>16} {'failed':>6}"]
    lines += [f"{r.name:<{width}}  {r.rebuilt:>7} {r.changed:>7} {r.unchanged:>9} "
              f"{len(r.without):>16} {r.failed:>6}" for r in rows]
    for r in rows:
        lines += _named(r.name, r.without, "no captures (archived while capture was off, or "
                        "the capture could not be written): not rebuilt", have=True)
        lines += _named(r.name, plan.page_only.get(r.name, []),
                        "built from a page alone, without a feed entry (a backfill from a "
                        "sitemap or listing): not rebuilt, kept as {it was}")
        lines += _named(r.name, plan.edited.get(r.name, []),
                        "changed since their captures (edited by hand and adopted by verify "
                        "--repair?): not rebuilt, kept as {it is}")
        lines.extend(f"  {r.name}: {p}" for p in r.problems)
    if plan.images_not_refreshed:
        n = plan.images_not_refreshed
        lines.append(f"{n} {'image was' if n == 1 else 'images were'} not refreshed (a "
                     "re-extraction downloads nothing): kept their remote URLs")
    return "\n".join(lines)


def _named(source: str, articles: list[str], says: str, *, have: bool = False) -> list[str]:
    """One line naming up to three of a source's articles set aside, and why; none if none.
    In says, {it was} / {it is} agree with the count; have: "article has" / "articles have"."""
    n = len(articles)
    if not n:
        return []
    shown = ", ".join(articles[:3]) + (", ..." if n > 3 else "")
    subject = (("article has" if n == 1 else "articles have") if have
               else ("article" if n == 1 else "articles"))
    says = says.replace("{it was}", "it was" if n == 1 else "they were").replace(
        "{it is}", "it is" if n == 1 else "they are")
    return [f"  {source}: {n} {subject} {says}: {shown}"]
