"""The blog's forms: a post (a model form on ``Post``) and a comment.

Handlers ask for them by annotation (``form: PostForm``) and get them bound to the submitted
body; with the CSRF battery on, each carries its ``csrf_token`` field and checks it.
"""

from __future__ import annotations

import re
from typing import Any

from trellis.forms import (
    DataRequired,
    Form,
    Length,
    ModelForm,
    Optional,
    StringField,
    TextAreaField,
    ValidationError,
)

from .models import TAG_NAME_LENGTH, Post

__all__ = ["MAX_TAGS", "CommentForm", "PostForm", "slugify"]

#: Most tags one post may carry.
MAX_TAGS = 5


def slugify(text: str) -> str:
    """Lower-case ASCII letters and digits, runs of anything else made one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# Title (required, at most 200 characters) and body come from the columns; the body is
# required here although the column has a default.  The summary is declared so that clearing
# it on the edit page clears it (a model form keeps a defaulted column's value when its field
# is left empty).  The slug, the date and the author are the handler's business.
class PostForm(
    ModelForm,
    model=Post,
    only=["title", "summary", "body"],
    field_args={
        "title": {"filters": [strip]},
        "body": {"validators": [DataRequired()], "filters": [strip], "render_kw": {"rows": 12}},
    },
):
    summary = StringField("Summary", [Optional(), Length(max=500)], filters=[strip])
    tag_names = StringField(
        "Tags",
        [Optional(), Length(max=300)],
        description=f"Up to {MAX_TAGS}, separated by commas: htmx, templates",
    )

    def validate_tag_names(self, field: Any) -> None:
        names = self.tag_list()
        if len(names) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.")
        if any(len(name) > TAG_NAME_LENGTH for name in names):
            raise ValidationError(f"A tag has at most {TAG_NAME_LENGTH} characters.")

    def tag_list(self) -> list[str]:
        """The tags typed, as slugs (``Static Files`` is ``static-files``), each once."""
        names = (slugify(part) for part in (self.tag_names.data or "").split(","))
        return list(dict.fromkeys(name for name in names if name))


class CommentForm(Form):
    body = TextAreaField(
        "Comment",
        [DataRequired(), Length(max=5000)],
        filters=[strip],
        render_kw={"rows": 4},
    )
