"""Full text: following a feed item to its web page, and filling the item from the extracted article."""
