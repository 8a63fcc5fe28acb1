"""The images battery (being written)."""
