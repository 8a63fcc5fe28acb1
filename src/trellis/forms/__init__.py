"""The forms battery (being written)."""
