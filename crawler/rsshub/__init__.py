"""RSSHub routes as sources: route URLs on instances, and falling over between them."""

from crawler.rsshub.failover import RSSHUB_META, Attempt, attempt, failed_answer, feed_urls
from crawler.rsshub.urls import access_code, encode_route, instance_url

__all__ = ["RSSHUB_META", "Attempt", "access_code", "attempt", "encode_route",
           "failed_answer", "feed_urls", "instance_url"]
