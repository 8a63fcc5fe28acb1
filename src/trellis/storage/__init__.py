"""The storage battery (being written)."""
