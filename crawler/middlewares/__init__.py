"""feedvault's downloader middlewares: conditional requests, backoff retries, source policy,
HTTP settings, the crawl deadline and host health."""

from .conditional import ConditionalMiddleware, NotModified
from .deadline import Deadline, DeadlineMiddleware
from .health import HostHealthMiddleware
from .http import SourceHttpMiddleware
from .retry import BackoffRetryMiddleware
from .robots import SourcePolicyMiddleware

__all__ = ["BackoffRetryMiddleware", "ConditionalMiddleware", "Deadline", "DeadlineMiddleware",
           "HostHealthMiddleware", "NotModified", "SourceHttpMiddleware", "SourcePolicyMiddleware"]
