"""feedvault's spiders."""
