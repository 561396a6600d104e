"""feedvault's downloader middlewares: conditional requests, backoff retries, source policy,
HTTP settings, the crawl deadline and host health."""

from crawler.health.middleware import HostHealthMiddleware
from crawler.limits.deadline import Deadline, DeadlineMiddleware
from crawler.middlewares.conditional import ConditionalMiddleware, NotModified
from crawler.middlewares.http import SourceHttpMiddleware
from crawler.middlewares.retry import BackoffRetryMiddleware
from crawler.middlewares.robots import SourcePolicyMiddleware

__all__ = ["BackoffRetryMiddleware", "ConditionalMiddleware", "Deadline", "DeadlineMiddleware",
           "HostHealthMiddleware", "NotModified", "SourceHttpMiddleware", "SourcePolicyMiddleware"]
