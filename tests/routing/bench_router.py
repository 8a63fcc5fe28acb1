"""Print lookup times among 10 vs 10,000 routes: matching cost must not grow with the route count.

Run: .venv/bin/python tests/routing/bench_router.py   (a script, not collected by pytest; it
prints numbers and asserts nothing, since timings depend on the machine).
"""

from __future__ import annotations

import timeit

from trellis.routing import Router


def build(groups: int) -> Router[int]:
    router: Router[int] = Router()
    for i in range(groups):
        router.add(f"/static{i}/page", ["GET"], i, f"static{i}")
        router.add(f"/res{i}/<int:id>/edit", ["GET", "POST"], i, f"edit{i}")
        router.add(f"/res{i}/<slug:slug>/files/<path:rest>", ["GET"], i, f"files{i}")
    router.add("/users/<name>/posts/<int:id>", ["GET"], -1, "user_post")
    router.freeze()
    return router


def main() -> None:
    paths = {
        "static": "/static1/page",
        "int": "/res2/123/edit",
        "path": "/res1/some-slug/files/a/b/c.txt",
        "str+int": "/users/zoë/posts/42",
        "miss": "/res2/abc/nothing",
    }
    number = 100_000
    print(f"{'path kind':<10} {'10 routes':>12} {'10,000 routes':>15}   (microseconds per lookup)")
    small, large = build(3), build(3333)  # 3 routes per group, plus one
    for kind, path in paths.items():
        assert (small.lookup(path) is None) == (large.lookup(path) is None)
        times = [
            timeit.timeit(lambda r=router, p=path: r.lookup(p), number=number) / number * 1e6
            for router in (small, large)
        ]
        print(f"{kind:<10} {times[0]:>12.3f} {times[1]:>15.3f}")


if __name__ == "__main__":
    main()
