"""The Scrapy project: settings, spiders, configuration and the `feedvault` command line."""

__version__ = "0.1.0"
