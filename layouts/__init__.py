"""Shipped console layouts: TOML package data (format: :mod:`tui.app.layout_file`)."""
