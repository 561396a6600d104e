"""Bounds on hostile sizes and times: local files, HTML nesting, file:/data: downloads, the crawl's deadline."""
