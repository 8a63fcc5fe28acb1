"""The ratelimit battery (being written)."""
