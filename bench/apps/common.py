"""What every benchmark app shares: the route count, and the data of the template page.

The harness sets BENCH_ROUTES (10 or 1000) before the server imports an app. The app then
registers BENCH_ROUTES - 1 filler routes shaped `/filler{i}/<int:id>` *before* `/items/<int:id>`,
so `/items/<id>` is the last of BENCH_ROUTES parameter routes: a router that scans a list pays for
every filler, a router that indexes (dict, trie) does not.

BENCH_PAGE=1 (set only for the servers that run the `page` test) makes an app also serve
`GET /page`: templates_jinja/page.html (templates_django/ for Django) rendered with
`page_context()`. Without it no template engine is imported, so the hello-world start-up and
memory figures stay what they were.
"""

import json
import os
from pathlib import Path

ROUTES = int(os.environ.get("BENCH_ROUTES", "10"))
FILLERS = range(max(ROUTES - 1, 0))
HELLO = "Hello, World!"

PAGE = os.environ.get("BENCH_PAGE") == "1"
HERE = Path(__file__).resolve().parent
JINJA_DIR = HERE / "templates_jinja"
DJANGO_DIR = HERE / "templates_django"


def page_context() -> dict:
    """The page's variables: `title` and 20 `rows` (each note holds <, > and & to escape)."""
    return json.loads((JINJA_DIR / "rows.json").read_text())
