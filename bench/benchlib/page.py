"""The template page's expected HTML, built by hand from the shared rows, and how pages compare.

Every framework renders bench/apps/templates_jinja/page.html (Django its own translation in
templates_django/) from the same rows.json. What they must send is written out here in plain
Python, with no template engine, so a page is judged against an independent reference: right
rows, right order, inheritance resolved, and the notes escaped. Engines differ only in the
whitespace their block tags leave behind, so both sides are compared after `normalise`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROWS_FILE = Path(__file__).resolve().parent.parent / "apps" / "templates_jinja" / "rows.json"


def load_context(path: Path = ROWS_FILE) -> dict:
    return json.loads(path.read_text())


def escape(text: str) -> str:
    """What Jinja2 and Django both do to <, > and & (the data holds no quotes, where they differ)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def expected_page(context: dict | None = None) -> str:
    data = context if context is not None else load_context()
    title, rows = escape(data["title"]), data["rows"]
    cells = [
        (
            "odd" if i % 2 else "even",
            i,
            row["id"],
            row["name"],
            row["email"],
            row["amount"],
            "paid" if row["paid"] else "due",
            row["note"],
        )
        for i, row in enumerate(rows, 1)
    ]
    body = "".join(
        f'<tr class="{cls}">' + "".join(f"<td>{escape(str(v))}</td>" for v in values) + "</tr>"
        for cls, *values in cells
    )
    head = "".join(
        f"<th>{h}</th>" for h in ("#", "Order", "Customer", "Email", "Amount", "Status", "Note")
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} - Trellis bench</title></head><body>"
        f"<header><h1>{title}</h1></header><main><table>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<p>{len(rows)} orders</p></main>"
        "<footer>Rendered for the template benchmark</footer></body></html>"
    )


def normalise(html: str) -> str:
    """Drop whitespace between tags and collapse the rest: block tags leave different newlines."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()
