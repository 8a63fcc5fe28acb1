"""The links: list (paginated, filtered), create, read, update, delete, and a picture each.

Every operation needs a bearer token (``Authorization: Bearer trellis_...``, from ``POST
/tokens/``): reading needs the ``read`` scope, changing the ``write`` scope.  Every user sees
every link; only its owner may change it (403 for the others).  Handlers are ``async def`` and
ask for ``db: AsyncSession``, the request's unit of work: committed when the handler answers
below 400, rolled back otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any

from trellis import Blueprint, Query, Request, Response, UploadFile
from trellis.api import LimitOffset, OffsetPage
from trellis.auth import AbstractUser, CurrentUser, User, scopes_required
from trellis.db import AsyncSession, IntegrityError, or_, select
from trellis.exceptions import Forbidden
from trellis.images import Image, ImageRules
from trellis.storage import Storage

from .models import Link, LinkTag
from .schemas import ImageOut, LinkIn, LinkOut, LinkPatch, LinkQuery, RowId

__all__ = ["IMAGE_RULES", "links"]

links = Blueprint("links", __name__, url_prefix="/links")

MiB = 1024 * 1024
#: A link's picture: a real PNG, JPEG, WebP or GIF (checked from its bytes), at most 10 MiB and
#: 25 megapixels, stored without its metadata (a phone photo's EXIF holds where it was taken).
IMAGE_RULES = ImageRules.make(
    formats=["png", "jpeg", "webp", "gif"],
    max_size=10 * MiB,
    max_pixels=25_000_000,
    strip_metadata=True,
)
THUMBNAIL_BOX = (320, 240)

ORDERS: dict[str, tuple[Any, ...]] = {
    # Each ends with the id, so rows with equal dates or titles keep one order across pages.
    "newest": (Link.created.desc(), Link.id.desc()),
    "oldest": (Link.created.asc(), Link.id.asc()),
    "title": (Link.title.asc(), Link.id.asc()),
}

# What the routes may answer besides success, 401, 404 and 422, for the OpenAPI document.
READ = {403: "The token lacks the `read` scope"}
WRITE = {403: "The token lacks the `write` scope, or the link is someone else's"}


def present(link: Link, storage: Storage) -> LinkOut:
    """The public view of a link: tag names, the owner's username, URLs of the stored files."""
    image = None
    if link.image and link.thumbnail:
        image = ImageOut(
            url=storage.url(link.image),
            thumbnail=storage.url(link.thumbnail),
            width=link.image_width or 0,
            height=link.image_height or 0,
        )
    return LinkOut(
        id=link.id,
        url=link.url,
        title=link.title,
        notes=link.notes,
        tags=[tag.name for tag in link.tags],
        owner=link.owner.username,
        image=image,
        created=link.created,
        updated=link.updated,
    )


async def find_tags(db: AsyncSession, names: list[str]) -> list[LinkTag]:
    """The tags named ``names`` (duplicates dropped), created when new."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    found = {t.name: t for t in await db.scalars(select(LinkTag).where(LinkTag.name.in_(wanted)))}
    for name in wanted:
        if name in found:
            continue
        try:
            # A savepoint: when another request creates the same tag first, the unique index
            # refuses this one and the tag is read back instead of failing the request.
            async with db.begin_nested():
                tag = LinkTag(name=name)
                db.add(tag)
            found[name] = tag
        except IntegrityError:
            found[name] = (await db.scalars(select(LinkTag).where(LinkTag.name == name))).one()
    return [found[name] for name in wanted]


async def own_link(db: AsyncSession, id: int, user: AbstractUser) -> Link:
    """Link ``id`` when ``user`` owns it; 404 when there is none, 403 when it is another's."""
    link = await db.get_or_404(Link, id, description=f"No link {id}")
    if link.owner_id != user.id:
        raise Forbidden(f"Link {id} belongs to {link.owner.username}; only they may change it")
    return link


def remove_after_commit(request: Request, storage: Storage, *names: str | None) -> None:
    """Delete stored files once the unit of work is committed (never for an error answer).

    The database battery commits in its own ``before_send`` callback, registered when the
    session was made, so this one runs after it: a failed commit keeps the files.
    """
    doomed = [name for name in names if name]

    async def remove(response: Response) -> None:
        if response.status_code < 400:
            for name in doomed:
                await storage.adelete(name)

    if doomed:
        request.before_send(remove)


@links.get("/", responses=READ)
@scopes_required("read")
async def list_links(
    user: CurrentUser,
    db: AsyncSession,
    storage: Storage,
    page: LimitOffset,
    query: Annotated[LinkQuery, Query()],
) -> OffsetPage[LinkOut]:
    """List links, newest first.

    Pages of `limit` links (1 to 100, default 20) from `offset`; the `Link` header and the
    `next`/`previous` members point at the neighbouring pages, with the filters kept.
    """
    stmt = select(Link).order_by(*ORDERS[query.order])
    if query.tag:
        stmt = stmt.where(Link.tags.any(LinkTag.name.in_(query.tag)))
    if query.q:
        words = query.q.strip()
        stmt = stmt.where(
            or_(
                Link.title.icontains(words, autoescape=True),
                Link.url.icontains(words, autoescape=True),
            )
        )
    if query.owner is not None:
        stmt = stmt.where(Link.owner.has(User.username == query.owner))
    if query.mine:
        stmt = stmt.where(Link.owner_id == user.id)
    found = await page.apaginate(stmt, db)
    return found.map(lambda link: present(link, storage))


@links.post("/", status_code=201, response_model=LinkOut, responses=WRITE)
@scopes_required("write")
async def create_link(
    data: LinkIn, user: CurrentUser, db: AsyncSession, storage: Storage, request: Request
) -> tuple[LinkOut, int, dict[str, str]]:
    """Save a link; its address is in the `Location` header."""
    link = Link(
        owner=await db.get(User, user.id),
        url=data.url,
        title=data.title,
        notes=data.notes,
        tags=await find_tags(db, data.tags),
    )
    db.add(link)
    await db.flush()  # the id, for the answer and its Location
    location = request.url_for("links.read_link", id=link.id)
    return present(link, storage), 201, {"Location": location}


@links.get("/<int:id>", responses=READ)
@scopes_required("read")
async def read_link(id: RowId, user: CurrentUser, db: AsyncSession, storage: Storage) -> LinkOut:
    """Read one link."""
    return present(await db.get_or_404(Link, id, description=f"No link {id}"), storage)


@links.patch("/<int:id>", responses=WRITE)
@scopes_required("write")
async def update_link(
    id: RowId, data: LinkPatch, user: CurrentUser, db: AsyncSession, storage: Storage
) -> LinkOut:
    """Change some fields of your link; those left out keep their value."""
    link = await own_link(db, id, user)
    sent = data.model_fields_set
    for field in ("url", "title", "notes"):
        if field in sent:
            setattr(link, field, getattr(data, field))
    if "tags" in sent:
        link.tags = await find_tags(db, data.tags)
    await db.flush()  # `updated` changes with the UPDATE
    return present(link, storage)


@links.delete("/<int:id>", responses=WRITE)
@scopes_required("write")
async def delete_link(
    id: RowId, user: CurrentUser, db: AsyncSession, storage: Storage, request: Request
) -> None:
    """Delete your link and its picture."""
    link = await own_link(db, id, user)
    await db.delete(link)
    remove_after_commit(request, storage, link.image, link.thumbnail)


@links.put(
    "/<int:id>/image",
    responses={
        **WRITE,
        413: "The image is over 10 MiB or 25 megapixels",
    },
)
@scopes_required("write")
async def put_image(
    id: RowId,
    image: UploadFile,
    user: CurrentUser,
    db: AsyncSession,
    storage: Storage,
    request: Request,
) -> LinkOut:
    """Set your link's picture (a PNG, JPEG, WebP or GIF), replacing any it had.

    The bytes must be an image of one of those formats, whatever the file is called; the
    picture is stored without its metadata, with a 320x240 WebP thumbnail.
    """
    link = await own_link(db, id, user)
    checked = await Image.from_upload(image, IMAGE_RULES, field="image")
    thumb = await checked.athumbnail(THUMBNAIL_BOX, format="webp", quality=80)
    old = (link.image, link.thumbnail)
    link.image = await storage.asave(
        storage.generate_name(folder="links", extension=checked.extension), checked.file
    )
    link.thumbnail = await storage.asave(
        storage.generate_name(folder="links/thumbnails", extension=thumb.extension), thumb.data
    )
    link.image_width, link.image_height = checked.width, checked.height
    await db.flush()
    remove_after_commit(request, storage, *old)
    return present(link, storage)


@links.delete("/<int:id>/image", responses=WRITE)
@scopes_required("write")
async def delete_image(
    id: RowId, user: CurrentUser, db: AsyncSession, storage: Storage, request: Request
) -> None:
    """Remove your link's picture."""
    link = await own_link(db, id, user)
    old = (link.image, link.thumbnail)
    link.image = link.thumbnail = link.image_width = link.image_height = None
    remove_after_commit(request, storage, *old)
