"""feedvault's item pipelines, in the order an article flows through them."""

from pipelines.clean import CleanPipeline
from pipelines.filter import FilterPipeline
from pipelines.images import ImageDownloadPipeline
from pipelines.normalize import NormalizePipeline
from pipelines.store import StorePipeline

__all__ = ["CleanPipeline", "FilterPipeline", "ImageDownloadPipeline", "NormalizePipeline", "StorePipeline"]
