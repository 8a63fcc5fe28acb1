"""What every benchmark app shares: how many path-parameter routes to register.

The harness sets BENCH_ROUTES (10 or 1000) before the server imports an app. The app then
registers BENCH_ROUTES - 1 filler routes shaped `/filler{i}/<int:id>` *before* `/items/<int:id>`,
so `/items/<id>` is the last of BENCH_ROUTES parameter routes: a router that scans a list pays for
every filler, a router that indexes (dict, trie) does not.
"""

import os

ROUTES = int(os.environ.get("BENCH_ROUTES", "10"))
FILLERS = range(max(ROUTES - 1, 0))
HELLO = "Hello, World!"
