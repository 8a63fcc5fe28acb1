"""The openapi battery (being written)."""
