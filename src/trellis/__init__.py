"""Trellis: starts as one file, grows into a full-stack site."""

from trellis.__about__ import __version__

__all__ = ["__version__"]
