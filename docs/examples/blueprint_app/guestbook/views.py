"""The guestbook's pages: the signatures, and the form that adds one."""

from __future__ import annotations

import logging
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from trellis import Blueprint, Request, Response, Template, redirect
from trellis.db import Session, select

from .models import Signature

logger = logging.getLogger("guestbook")

blueprint = Blueprint("guestbook", __name__, url_prefix="/guestbook")
blueprint.cli.help = "Look after the guestbook."

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class SignatureIn(BaseModel):
    """What the form posts; blank fields are refused with 422."""

    name: Annotated[Text, StringConstraints(max_length=80)]
    message: Annotated[Text, StringConstraints(max_length=500)]


@blueprint.get("/")
def index(db: Session) -> Template:
    newest = select(Signature).order_by(Signature.id.desc()).limit(50)
    return Template("guestbook/index.html", signatures=db.scalars(newest).all())


@blueprint.post("/")
def sign(signature: SignatureIn, db: Session, request: Request) -> Response:
    db.add(Signature(name=signature.name, message=signature.message))
    return redirect(request.url_for(".index"), 303)


@blueprint.on_startup
def announce() -> None:
    logger.info("the guestbook is open")
