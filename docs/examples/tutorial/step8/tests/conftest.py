"""The app the tests use: the real one, on a database of its own with the migrations applied."""

import pytest
from trellis.migrations import Migrations

from app import Settings, create_app


@pytest.fixture
def app(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        secret_key="only-for-the-tests-3q2-f8Jd0sLw9XkPmZr7Yt",
    )
    app = create_app(settings)
    Migrations(app, "default").upgrade()  # the schema production has
    return app
