"""The Textual console. Everything Textual lives under this package."""
