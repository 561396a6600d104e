"""A crawl's outcome: per-source counters and summary, the JSON report, selector drift."""
