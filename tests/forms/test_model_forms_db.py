"""Model forms against SQLite, PostgreSQL and MariaDB: foreign-key choices come from the related
table, unique checks ask the database, ``populate_obj`` writes rows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from tests.forms.conftest import MakeApp
from tests.forms.models import Desk, Journalist, Story
from tests.forms.support import parse

from trellis import App
from trellis.db import AsyncSession, Database, Session, func, select
from trellis.forms import ModelForm, ModelSelectField, SelectChoice, model_form
from trellis.testing import TestClient


class StoryForm(ModelForm, model=Story, only=["title", "slug", "writer_id", "editor_id"]):
    pass


def seed(app: App, *names: str, stories: tuple[tuple[str, str], ...] = ()) -> dict[str, int]:
    """Journalists by name (their ids), and stories ``(title, slug)`` by the first of them."""
    with Database.of(app).session() as db:
        people = [Journalist(name=name) for name in names]
        db.add_all(people)
        db.flush()
        ids = {person.name: person.id for person in people}
        for title, slug in stories:
            db.add(Story(title=title, slug=slug, writer_id=people[0].id))
    return ids


def count_stories(app: App) -> int:
    with Database.of(app).session() as db:
        return int(db.scalar(select(func.count()).select_from(Story)) or 0)


def add_routes(app: App) -> None:
    @app.route("/new", methods=["GET", "POST"])
    def new(form: StoryForm, db: Session) -> Any:
        if form.validate_on_submit():
            story = Story()
            form.populate_obj(story)
            db.add(story)
            return {"created": story.slug}, 201
        return {"errors": form.errors, "select": str(form.writer_id())}, 422

    @app.route("/anew", methods=["POST"])
    async def anew(form: StoryForm, db: AsyncSession) -> Any:
        if form.validate_on_submit():
            db.add(Story(**form.data))
            return {"created": form.slug.data}, 201
        return {"errors": form.errors}, 422

    @app.route("/<int:id>/edit", methods=["GET", "POST"])
    def edit(id: int, form: StoryForm, db: Session) -> Any:
        story = db.get_or_404(Story, id)
        form.fill(story)
        if form.validate_on_submit():
            form.populate_obj(story)
            return {"saved": story.slug}
        return {"errors": form.errors, "title": form.title.data}, 422


@pytest.fixture
def app(make_app: MakeApp) -> App:
    app = make_app()
    add_routes(app)
    return app


def options(select_html: str) -> list[tuple[str, str]]:
    return [(o.attrs["value"] or "", o.text) for o in parse(select_html).find_all("option")]


def test_foreign_key_choices_come_from_the_related_table(app: App) -> None:
    ids = seed(app, "zoe", "ann")
    with TestClient(app) as client:
        shown = client.get("/new").json()["select"]
    assert options(shown) == [("", "---------"), (str(ids["ann"]), "ann"), (str(ids["zoe"]), "zoe")]


def test_a_valid_form_creates_the_row(app: App) -> None:
    ids = seed(app, "ann")
    data = {"title": "Hello", "slug": "hello", "writer_id": str(ids["ann"]), "editor_id": ""}
    with TestClient(app) as client:
        response = client.post("/new", data=data)
    assert response.status_code == 201, response.text
    with Database.of(app).session() as db:
        story = db.scalars(select(Story)).one()
        assert (story.title, story.slug, story.writer_id, story.editor_id) == (
            "Hello",
            "hello",
            ids["ann"],
            None,
        )
        assert story.views == 0  # not in the form: the column default applied


@pytest.mark.parametrize("path", ["/new", "/anew"])
def test_the_unique_check_asks_the_database(app: App, path: str) -> None:
    ids = seed(app, "ann", stories=(("Taken", "taken"),))
    data = {"title": "Again", "slug": "taken", "writer_id": str(ids["ann"])}
    with TestClient(app) as client:
        response = client.post(path, data=data)
        assert response.status_code == 422
        assert response.json()["errors"] == {"slug": ["This value is already taken."]}
        fresh = client.post(path, data={**data, "slug": "fresh"})
    assert fresh.status_code == 201, fresh.text
    assert count_stories(app) == 2


def test_the_unique_check_agrees_with_the_constraint_on_case(app: App, database_url: str) -> None:
    """MariaDB compares without case, SQLite and PostgreSQL with it: the form says what the
    database would say."""
    ids = seed(app, "ann", stories=(("Taken", "taken"),))
    with TestClient(app) as client:
        response = client.post(
            "/new", data={"title": "T", "slug": "TAKEN", "writer_id": ids["ann"]}
        )
    form_refused = response.status_code == 422
    assert form_refused is database_url.startswith("mysql")
    if not form_refused:
        return
    with pytest.raises(IntegrityError), Database.of(app).session() as db:
        db.add(Story(title="T", slug="TAKEN", writer_id=ids["ann"]))


def test_editing_a_row_does_not_collide_with_itself(app: App) -> None:
    ids = seed(app, "ann", stories=(("Mine", "mine"), ("Other", "other")))
    with Database.of(app).session() as db:
        mine = db.scalars(select(Story).where(Story.slug == "mine")).one().id
    data = {"title": "Mine, edited", "slug": "mine", "writer_id": str(ids["ann"])}
    with TestClient(app) as client:
        assert client.get(f"/{mine}/edit").json()["title"] == "Mine"  # filled from the row
        assert client.post(f"/{mine}/edit", data=data).json() == {"saved": "mine"}
        clash = client.post(f"/{mine}/edit", data={**data, "slug": "other"})
    assert clash.json()["errors"] == {"slug": ["This value is already taken."]}
    with Database.of(app).session() as db:
        assert db.get(Story, mine).title == "Mine, edited"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("writer", "message"),
    [("999999", "Not a valid choice."), ("abc", "Invalid Choice: could not coerce.")],
)
def test_a_foreign_key_that_points_nowhere(app: App, writer: str, message: str) -> None:
    seed(app, "ann")
    with TestClient(app) as client:
        response = client.post("/new", data={"title": "T", "slug": "t", "writer_id": writer})
    assert response.status_code == 422
    assert response.json()["errors"] == {"writer_id": [message]}


def test_a_required_foreign_key_left_blank(app: App) -> None:
    seed(app, "ann")
    with TestClient(app) as client:
        response = client.post("/new", data={"title": "T", "slug": "t", "writer_id": ""})
    assert response.json()["errors"] == {"writer_id": ["This field is required."]}


def test_past_max_choices_an_existing_row_is_still_accepted(make_app: MakeApp) -> None:
    app = make_app(max_choices=1)
    add_routes(app)
    ids = seed(app, "ann", "bob")
    with TestClient(app) as client:
        listed = options(client.get("/new").json()["select"])
        assert listed == [("", "---------"), (str(ids["ann"]), "ann")]
        data = {"title": "T", "slug": "t", "writer_id": str(ids["bob"])}
        assert client.post("/new", data=data).status_code == 201
        refused = client.post("/new", data={**data, "slug": "u", "writer_id": "999999"})
    assert refused.json()["errors"] == {"writer_id": ["Not a valid choice."]}


def test_values_no_column_could_hold_are_the_forms_to_answer(make_app: MakeApp) -> None:
    """Nothing the client sends reaches the database in a form it refuses (a 500)."""
    app = make_app(max_choices=1)
    seed(app, "ann", "bob", stories=(("Taken", "taken"),))

    @app.post("/check")
    async def check(form: StoryForm) -> dict[str, Any]:
        return {"valid": form.validate(), "errors": form.errors}

    with TestClient(app) as client:
        huge = {"title": "T", "slug": "ok", "writer_id": str(2**70)}
        assert client.post("/check", data=huge).json()["errors"] == {
            "writer_id": ["Not a valid choice."]
        }
        nul = client.post("/check", data={"title": "T", "slug": "ta\x00ken", "writer_id": "1"})
        assert nul.status_code == 200
        long = client.post("/check", data={"title": "T", "slug": "x" * 200, "writer_id": "1"})
    assert long.json()["errors"] == {"slug": ["Field cannot be longer than 80 characters."]}


def test_a_sync_handler_may_change_data_after_binding(app: App) -> None:
    """The new value was not fetched: in a ``def`` handler's thread it is read on the spot."""
    ids = seed(app, "ann", stories=(("Taken", "taken"),))

    @app.post("/slugify")
    def slugify(form: StoryForm) -> dict[str, Any]:
        form.slug.data = form.title.data.lower()
        return {"valid": form.validate(), "errors": form.errors}

    with TestClient(app) as client:
        got = client.post("/slugify", data={"title": "TAKEN", "writer_id": ids["ann"]}).json()
    assert got == {"valid": False, "errors": {"slug": ["This value is already taken."]}}


def test_an_async_handler_fetches_again_after_changing_data(app: App) -> None:
    ids = seed(app, "ann", stories=(("Taken", "taken"),))

    @app.post("/fetched")
    async def fetched(form: StoryForm) -> dict[str, Any]:
        form.slug.data = form.title.data.lower()
        await form.fetch()
        return {"valid": form.validate(), "errors": form.errors}

    @app.post("/forgot")
    async def forgot(form: StoryForm) -> dict[str, Any]:
        form.slug.data = form.title.data.lower()
        return {"valid": form.validate()}

    data = {"title": "TAKEN", "writer_id": ids["ann"]}
    with TestClient(app) as client:
        got = client.post("/fetched", data=data).json()
        assert got == {"valid": False, "errors": {"slug": ["This value is already taken."]}}
        # on the event loop a blocking query is refused, naming the fix
        with pytest.raises(RuntimeError, match=r"await form.fetch\(\)"):
            client.post("/forgot", data=data)


def test_a_form_built_by_hand_reads_through_the_session_it_is_given(app: App) -> None:
    ids = seed(app, "ann", stories=(("Taken", "taken"),))
    formdata = _FormData(title="T", slug="taken", writer_id=str(ids["ann"]))
    with Database.of(app).session() as db:
        form = StoryForm(formdata, session=db)
        assert form.validate() is False
        assert form.errors == {"slug": ["This value is already taken."]}
        assert [c.label for c in form.writer_id.choices] == ["---------", "ann"]


async def test_fetch_takes_an_async_session(app: App) -> None:
    ids = seed(app, "ann", stories=(("Taken", "taken"),))
    formdata = _FormData(title="T", slug="taken", writer_id=str(ids["ann"]))
    form = StoryForm(formdata)
    database = Database.of(app)
    try:
        async with database.async_session() as db:
            await form.fetch(db)
    finally:
        await database.dispose()  # the async pool belongs to this test's event loop
    assert form.validate() is False
    assert form.errors == {"slug": ["This value is already taken."]}


def test_label_attribute_and_a_function_label(app: App) -> None:
    ids = seed(app, "ann", "bob")
    with Database.of(app).session() as db:

        class Pick(StoryForm):
            writer_id = ModelSelectField(
                "Writer", to=Journalist.id, label_attribute=lambda j: j.name.upper()
            )
            editor_id = ModelSelectField(
                "Editor", to=Journalist.id, label_attribute="name", blank=None
            )

        form = Pick(session=db)
        assert [c.label for c in form.writer_id.choices] == ["---------", "ANN", "BOB"]
        assert [(c.value, c.label) for c in form.editor_id.choices] == [
            (str(ids["ann"]), "ann"),
            (str(ids["bob"]), "bob"),
        ]


def test_options_use_the_models_own_str(app: App) -> None:
    with Database.of(app).session() as db:
        db.add_all([Desk(code="B"), Desk(code="A")])
        db.flush()
        form = model_form(Story, only=["desk_id"])(session=db)
        assert [c.label for c in form.desk_id.choices] == ["---------", "Desk A", "Desk B"]


def test_choices_set_by_hand_win_and_read_nothing(app: App) -> None:
    seed(app, "ann")

    @app.post("/hand")
    async def hand(form: StoryForm) -> dict[str, Any]:
        form.editor_id.choices = [SelectChoice("7", "Seven")]
        return {"errors": form.errors if not form.validate() else {}}

    with TestClient(app) as client:
        data = {"title": "T", "slug": "s", "writer_id": "1", "editor_id": "1"}
        assert client.post("/hand", data=data).json()["errors"] == {
            "editor_id": ["Not a valid choice."]
        }
        assert client.post("/hand", data={**data, "editor_id": "7"}).json()["errors"] == {}


class _FormData(dict[str, list[str]]):
    def __init__(self, **values: str) -> None:
        super().__init__({key: [value] for key, value in values.items()})

    def getlist(self, key: str) -> list[str]:
        return self.get(key, [])
