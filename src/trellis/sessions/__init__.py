"""The sessions battery (being written)."""
