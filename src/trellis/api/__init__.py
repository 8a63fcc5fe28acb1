"""The api battery (being written)."""
