"""Gradient contract cards: the Markdown card, its picture, and the entry along a 1-D slice."""
