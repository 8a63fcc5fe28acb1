"""The security battery (being written)."""
