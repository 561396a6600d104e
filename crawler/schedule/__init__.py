"""When to crawl: schedules, due sources, site hints, HTTP state between crawls, pacing, the scheduler."""
