"""feedvault's item pipelines, in the order an article flows through them."""

from .clean import CleanPipeline
from .images import ImageDownloadPipeline
from .normalize import NormalizePipeline
from .store import StorePipeline

__all__ = ["CleanPipeline", "ImageDownloadPipeline", "NormalizePipeline", "StorePipeline"]
