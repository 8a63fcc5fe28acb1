"""The auth battery (being written)."""
