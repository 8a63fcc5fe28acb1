"""The blog: its pages (views.py), tables (models.py), forms (forms.py) and templates."""
