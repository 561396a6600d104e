"""feedvault's downloader middlewares: conditional requests, backoff retries, source policy,
the crawl deadline and host health."""

from .conditional import ConditionalMiddleware, NotModified
from .deadline import Deadline, DeadlineMiddleware
from .health import HostHealthMiddleware
from .retry import BackoffRetryMiddleware
from .robots import SourcePolicyMiddleware

__all__ = ["BackoffRetryMiddleware", "ConditionalMiddleware", "Deadline", "DeadlineMiddleware",
           "HostHealthMiddleware", "NotModified", "SourcePolicyMiddleware"]
