"""Re-extraction: the crawl replayed from the capture store, with no network."""
