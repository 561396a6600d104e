"""feedvault's downloader middlewares: conditional requests, backoff retries, source policy."""

from .conditional import ConditionalMiddleware, NotModified
from .retry import BackoffRetryMiddleware
from .robots import SourcePolicyMiddleware

__all__ = ["BackoffRetryMiddleware", "ConditionalMiddleware", "NotModified",
           "SourcePolicyMiddleware"]
