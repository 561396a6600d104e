"""Sources from the world: feed discovery, OPML in and out, RSSHub route lists, editing
`[[sources]]` blocks."""

from crawler.sources.discover import Candidate, Discovery, discover
from crawler.sources.edit import (
    raw_sources,
    render,
    save,
    with_rsshub,
    with_sources,
    without_source,
)
from crawler.sources.found import Found, Proposed
from crawler.sources.importers import IMPORTERS, detect, importer, untrusted
from crawler.sources.merge import Merge, check_each, feed_key, merge
from crawler.sources.naming import derive_name
from crawler.sources.opml import read_opml, write_opml

__all__ = [
    "IMPORTERS",
    "Candidate",
    "Discovery",
    "Found",
    "Merge",
    "Proposed",
    "check_each",
    "derive_name",
    "detect",
    "discover",
    "feed_key",
    "importer",
    "merge",
    "raw_sources",
    "read_opml",
    "render",
    "save",
    "untrusted",
    "with_rsshub",
    "with_sources",
    "without_source",
    "write_opml",
]
