"""The egress policy: what a crawl may fetch when the URL came from fetched content.

The Scrapy parts (EgressMiddleware in `.middleware`, EgressResolver in `.resolver`) are
imported by crawler.settings by module, so that the address check stays importable
without Scrapy (pipelines/_urls.py, the blocking fetch of `extract` and `sources check`).
"""

from crawler.egress.addresses import embedded_ipv4, in_networks, literal_address, non_public
from crawler.egress.policy import EgressPolicy, EgressRefused, host_of, owner_urls

__all__ = ["EgressPolicy", "EgressRefused", "embedded_ipv4", "host_of", "in_networks",
           "literal_address", "non_public", "owner_urls"]
