"""Reading requests: query, headers, cookies, JSON, forms, uploads and streamed bodies."""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any

from trellis import App, Request, UploadFile
from trellis.conf import Settings
from trellis.http import status

# Limits are settings (TRELLIS_MAX_BODY_SIZE=... in the environment works too).
app = App(settings=Settings(max_body_size=64 * 1024, spool_max_size=256 * 1024))

UPLOAD_DIR = tempfile.mkdtemp(prefix="trellis-uploads-")


@app.get("/search")
def search(request: Request) -> dict[str, Any]:
    # ?tag=a&tag=b -> the first with [] or .get(), all of them with .getlist()
    return {
        "q": request.query.get("q", ""),
        "tags": request.query.getlist("tag"),
        "agent": request.headers.get("user-agent"),
        "theme": request.cookies.get("theme", "light"),
        "path": request.path,
    }


@app.post("/api/items")
async def create_item(request: Request) -> tuple[dict[str, Any], int]:
    item = await request.json()  # malformed JSON -> 400 "Malformed JSON at line 1, column 9: ..."
    return {"created": item}, status.HTTP_201_CREATED


@app.post("/contact")
async def contact(request: Request) -> dict[str, Any]:
    form = await request.form()  # url-encoded or multipart
    return {"name": form.get("name"), "topics": form.getlist("topic")}


@app.post("/avatar")
async def avatar(request: Request) -> dict[str, Any]:
    form = await request.form()
    upload = form.get("avatar")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return {"error": "no file"}
    # The filename is only what the client claims: never build a server path from it.
    await upload.asave(os.path.join(UPLOAD_DIR, "avatar.bin"))
    return {"filename": upload.filename, "size": upload.size, "type": upload.content_type}


@app.post("/checksum")
async def checksum(request: Request) -> dict[str, Any]:
    # Stream a large body without holding it in memory.
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.stream():
        digest.update(chunk)
        size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}
