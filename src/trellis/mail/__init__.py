"""The mail battery (being written)."""
