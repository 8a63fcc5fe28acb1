"""Forms, from docs/forms.md: a contact form with an upload, and a model form that writes blog entries.

Run it: ``TRELLIS_SECRET_KEY=... TRELLIS_DATABASE_URL=sqlite:///forms.db
granian --interface asgi --factory docs.examples.forms:create_app`` (after creating the tables,
see ``create_tables``).
"""

from __future__ import annotations

from trellis import App, Response, Template, redirect
from trellis.conf import Settings
from trellis.db import (
    AsyncSession,
    Database,
    ForeignKey,
    Mapped,
    Model,
    Session,
    String,
    Text,
    Timestamped,
    mapped_column,
)
from trellis.forms import (
    DataRequired,
    EmailField,
    FileAllowed,
    FileField,
    FileSize,
    Form,
    Forms,
    Length,
    ModelForm,
    TextAreaField,
)
from trellis.security import CSRF
from trellis.templates import Templates


class Blogger(Model):
    __tablename__ = "example_forms_blogger"

    name: Mapped[str] = mapped_column(String(60), unique=True)


class Entry(Model, Timestamped):
    __tablename__ = "example_forms_entry"

    title: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(120), unique=True, doc="Part of the entry's address")
    body: Mapped[str] = mapped_column(Text, default="")
    blogger_id: Mapped[int] = mapped_column(ForeignKey("example_forms_blogger.id"))


class ContactForm(Form):
    email = EmailField("Your e-mail", [DataRequired(), Length(max=200)])
    message = TextAreaField("Message", [DataRequired(), Length(max=2000)])
    attachment = FileField(
        "Attachment", [FileAllowed(["pdf", "txt"]), FileSize(1_000_000)], description="Optional"
    )


# Fields, validators and choices from the columns: title and slug are required strings of at
# most 120 characters, slug must not be taken, blogger_id is a <select> of the authors.
class EntryForm(ModelForm, model=Entry, only=["title", "slug", "blogger_id", "body"]):
    pass


#: What the contact form received (a real site would send an e-mail).
INBOX: list[dict[str, object]] = []


def create_app(database_url: str | None = None, settings: Settings | None = None) -> App:
    """The site; without arguments the URL and secret key come from the environment."""
    app = App(__name__, settings=settings)
    app.install(Templates("forms_site"))
    app.install(Database(database_url))
    app.install(CSRF())  # every form gets a checked csrf_token field
    app.install(Forms())  # optional once the convention is registered; options go here

    @app.route("/contact", methods=["GET", "POST"])
    def contact(form: ContactForm) -> Template | Response:
        if form.validate_on_submit():
            upload = form.attachment.data  # an UploadFile, or None
            INBOX.append({**form.data, "attachment": upload and upload.filename})
            return redirect(app.url_for("contact"), 303)
        status = 422 if form.is_submitted() else 200
        return Template("contact.html", form=form, status_code=status, sent=len(INBOX))

    @app.route("/entries/new", methods=["GET", "POST"])
    def new_entry(form: EntryForm, db: Session) -> Template | Response:
        if form.validate_on_submit():
            entry = Entry()
            form.populate_obj(entry)
            db.add(entry)
            db.flush()  # gives the entry its id; committed after the handler
            return redirect(app.url_for("show_entry", id=entry.id), 303)
        status = 422 if form.is_submitted() else 200
        return Template("entry_form.html", form=form, entry=None, status_code=status)

    @app.route("/entries/<int:id>/edit", methods=["GET", "POST"])
    async def edit_entry(id: int, form: EntryForm, db: AsyncSession) -> Template | Response:
        entry = await db.get_or_404(Entry, id)
        form.fill(entry)  # the entry's values on GET; what was typed wins on POST
        if form.validate_on_submit():  # the slug may stay the entry's own
            form.populate_obj(entry)
            return redirect(app.url_for("show_entry", id=entry.id), 303)
        status = 422 if form.is_submitted() else 200
        return Template("entry_form.html", form=form, entry=entry, status_code=status)

    @app.get("/entries/<int:id>")
    async def show_entry(id: int, db: AsyncSession) -> Template:
        return Template("entry.html", entry=await db.get_or_404(Entry, id))

    return app


def create_tables(app: App) -> None:
    """Create this example's tables (a real project runs its migrations)."""
    engine = Database.of(app).sync_engine()
    Model.metadata.create_all(engine, tables=[Blogger.__table__, Entry.__table__])  # type: ignore[attr-defined]
