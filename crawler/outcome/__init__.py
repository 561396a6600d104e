"""A crawl's outcome: per-source counters and summary, the JSON report, selector drift, and the
run history `feedvault status` and notifications read."""
