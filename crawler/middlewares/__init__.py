"""feedvault's downloader middlewares: conditional requests, retries, source policy, HTTP settings."""

from .conditional import ConditionalMiddleware, NotModified
from .http import SourceHttpMiddleware
from .retry import BackoffRetryMiddleware
from .robots import SourcePolicyMiddleware

__all__ = ["BackoffRetryMiddleware", "ConditionalMiddleware", "NotModified",
           "SourceHttpMiddleware", "SourcePolicyMiddleware"]
