"""Alembic's entry point for every ``trellis db`` command; the work is in trellis.migrations.env."""

from trellis.migrations.env import run

run()
