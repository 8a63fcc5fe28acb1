"""The cors battery (being written)."""
