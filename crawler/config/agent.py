"""Who feedvault says it is: the User-Agent of a crawl and of the commands that download."""

from __future__ import annotations

from crawler import __version__
from crawler.config.model import Config, SourceConfig

DEFAULT_AGENT = f"feedvault/{__version__} (feed archiver; +https://pypi.org/project/feedvault/)"


def contact_agent(config: Config) -> str | None:
    """The crawl's User-Agent when `[crawl] contact` is set (it wins over [scrapy])."""
    if not config.contact:
        return None
    return f"feedvault/{__version__} (feed archiver; +{config.contact})"


def user_agent(config: Config, source: SourceConfig | None = None) -> str:
    """What a request of source (None: of no source) says it is, as in a crawl: the
    source's or `[crawl]` user_agent, else the contact, else [scrapy] USER_AGENT."""
    http = source.http if source is not None else config.http
    return (http.user_agent or contact_agent(config)
            or str(config.scrapy.get("USER_AGENT") or DEFAULT_AGENT))
