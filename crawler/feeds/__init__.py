"""Feed readers: bytes to text, then entries (RSS and Atom through feedparser, JSON Feed); no Scrapy."""
