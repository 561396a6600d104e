"""What reading one date costs, per form: parse_date runs once per feed entry and listing date.

Run from the repository root:  python benchmarks/bench_dates.py [--rounds N]

Prints microseconds of CPU per call for each form, and which reader took it: the cheap
readers (feedparser's tuple, fromisoformat, email.utils, the common CJK form,
dateutil) answer in microseconds; dateparser (other CJK forms, relative dates) in about
a millisecond.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.feeds.dates import parse_date  # noqa: E402

FORMS = {
    "RFC 2822 with feedparser's tuple": ("Mon, 01 Jan 2024 10:00:00 +0800",
                                         time.strptime("2024-01-01 02:00", "%Y-%m-%d %H:%M")),
    "RFC 2822": ("Mon, 01 Jan 2024 10:00:00 +0800", None),
    "ISO 8601": ("2024-01-02T10:30:00+08:00", None),
    "English words (dateutil)": ("January 2, 2024 10:30 AM", None),
    "CJK, common form": ("2024年1月2日 10:30", None),
    "CJK, other (dateparser)": ("2024年1月2日 星期二", None),
    "relative (dateparser)": ("2小时前", None),
    "garbage with a digit (dateparser: None)": ("Chapter 12", None),
    "garbage without one (None)": ("Posted by Bob", None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    parse_date("2024年1月2日")  # dateparser loads its language data once
    for label, (raw, parsed) in FORMS.items():
        started = time.process_time()
        for _ in range(args.rounds):
            result = parse_date(raw, parsed)
        each = (time.process_time() - started) / args.rounds * 1e6
        print(f"{label:<42} {each:9.1f} us  {result.isoformat() if result else None}")


if __name__ == "__main__":
    main()
