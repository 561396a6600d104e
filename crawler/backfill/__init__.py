"""Backfill: bring a source's history into the archive from sitemaps, listing pages or feed pages.

Nothing is imported here: the configuration loads `crawler.backfill.config` for every
command, and the rest (date parsing, discovery, the spider) only `feedvault backfill` needs.
"""
