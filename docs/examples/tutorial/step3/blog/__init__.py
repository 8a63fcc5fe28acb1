"""The blog: its pages (views.py) and templates."""
