"""The downloader middlewares that belong to no larger concept: conditional requests, backoff
retries, per-source politeness switches and HTTP settings (egress, host health and the
deadline live in their own packages)."""

from crawler.middlewares.capture import CaptureMiddleware
from crawler.middlewares.conditional import ConditionalMiddleware, NotModified
from crawler.middlewares.http import SourceHttpMiddleware
from crawler.middlewares.retry import BackoffRetryMiddleware
from crawler.middlewares.robots import SourcePolicyMiddleware

__all__ = ["BackoffRetryMiddleware", "CaptureMiddleware", "ConditionalMiddleware", "NotModified",
           "SourceHttpMiddleware", "SourcePolicyMiddleware"]
