"""The blog: its pages (views.py), tables (models.py) and templates."""
