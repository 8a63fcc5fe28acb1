"""Run the ```python blocks of a docs page the way a reader meets them.

The blocks of one page run in order in one namespace, like a doctest session: a later block may use
what an earlier one defined.  That namespace is a real module (registered in ``sys.modules``, its
``__file__`` in the working directory), so ``App(__name__)`` finds ``templates/`` there, and
annotations, dataclasses and pydantic models resolve as in the reader's ``app.py``.  A block may
``await`` at top level; the page's blocks share one event loop.  Nothing is put in the namespace
for the reader: a page that uses ``TestClient`` imports it.

A page that defines ``test_*`` functions has them run too, by pytest (with the Trellis plugin's
fixtures: ``client``, ``settings``, ``db``, ``mailoutbox`` ...), in a test module that runs the
page's blocks into its globals the same way, so pytest's line numbers are the page's.

Each page runs in a fresh interpreter (``python -m tests.docs.snippets PAGE REPORT``), in an empty
working directory: the models, settings and environment of one page never meet another's.  The
report lists every failing block with its line, not just the first.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import subprocess
import sys
import traceback
import types
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: Fence languages that are Python but would not be run: write ```python instead.
HIDDEN_PYTHON = frozenset({"py", "py3", "python3", "pycon", "ipython", "ipython3", "pytest"})


@dataclass(frozen=True)
class Fence:
    info: str  # the text after the backticks: "python", "console", "{literalinclude} x.py"
    line: int  # 1-based line of the fence's first line of content
    source: str


@dataclass
class Report:
    page: str
    blocks: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)  # (line, what went wrong)
    tests: str | None = None  # pytest's output when the page's test functions failed

    @property
    def ok(self) -> bool:
        return not self.failures and self.tests is None

    def describe(self) -> str:
        name = self.page if Path(self.page).is_absolute() else f"docs/{self.page}"
        lines = [f"{name}: {len(self.failures)} of {self.blocks} python blocks failed"]
        for line, error in self.failures:
            lines += ["", f"--- {name}, line {line} ---", error.rstrip()]
        if self.tests is not None:
            lines += ["", f"--- {name}: its test functions failed under pytest ---"]
            lines.append(self.tests.rstrip())
        return "\n".join(lines)


def pages() -> list[str]:
    """Every page of the site, relative to docs/ (``routing.md``, ``reference/app.md``)."""
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        relative = path.relative_to(DOCS)
        if relative.parts[0] in ("_build", "examples") or path.name == "README.md":
            continue
        found.append(relative.as_posix())
    return found


def fences(path: Path) -> list[Fence]:
    """The fenced code blocks of a Markdown file, with the line each one's code starts on."""
    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    return [
        Fence(token.info.strip(), token.map[0] + 2, token.content)
        for token in tokens
        if token.type == "fence" and token.map is not None
    ]


def python_blocks(path: Path) -> list[Fence]:
    return [fence for fence in fences(path) if fence.info == "python"]


def misfiled(path: Path) -> list[tuple[int, str]]:
    """Blocks that are Python the runner would skip, or shell sessions marked as Python."""
    problems = []
    for fence in fences(path):
        words = fence.info.replace("{", " ").replace("}", " ").split()
        if fence.info in HIDDEN_PYTHON or (
            words[:1] in (["code-block"], ["code"], ["sourcecode"]) and "python" in words[1:]
        ):
            problems.append((fence.line, f"a ```{fence.info} block: write ```python so it runs"))
        elif fence.info == "python":
            first = fence.source.lstrip().split("\n", 1)[0]
            if first.startswith(("$ ", ">>> ")):
                problems.append((fence.line, "a console session marked python: use ```console"))
    return problems


def page_module(page: str) -> types.ModuleType:
    """The module the page's blocks run in, as if the reader's file were in the working directory."""
    name = "docs_page_" + "".join(c if c.isalnum() else "_" for c in page.removesuffix(".md"))
    module = types.ModuleType(name)
    module.__file__ = str(Path.cwd() / f"{name}.py")
    sys.modules[name] = module
    return module


def run_blocks(
    path: Path, blocks: list[Fence], namespace: dict[str, Any], *, explain_asserts: bool = False
) -> list[tuple[int, str]]:
    """Run each block in ``namespace``; every block runs, and each failure is kept with its line.

    ``explain_asserts`` rewrites ``assert`` the way pytest does for test modules, so a failing
    test function defined on a page shows the values it compared.
    """
    filename = str(path)
    failures = []
    with asyncio.Runner() as runner:
        for block in blocks:
            # Padding puts each line at its line in the page: tracebacks quote the page itself.
            source = "\n" * (block.line - 1) + block.source
            try:
                tree = ast.parse(source, filename)
                if explain_asserts:
                    from _pytest.assertion.rewrite import rewrite_asserts

                    rewrite_asserts(tree, source.encode())
                code = compile(
                    tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
                )
                result = eval(code, namespace)
                if inspect.iscoroutine(result):  # the block awaited at top level
                    runner.run(result)
            except Exception as exc:
                failures.append((block.line, _traceback_from_page(exc, filename)))
    return failures


def _traceback_from_page(exc: BaseException, filename: str) -> str:
    """The traceback from the page's own frame down: the runner's and asyncio's frames above it
    tell the reader nothing.  (A syntax error has no page frame: it is shown whole.)"""
    if isinstance(exc, SyntaxError):
        return "".join(traceback.format_exception_only(type(exc), exc))
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


def page_tests(module: types.ModuleType) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if name.startswith("test_")
        and inspect.isfunction(value)
        and value.__module__ == module.__name__
    ]


def load_page(page: str, namespace: dict[str, Any]) -> None:
    """Run a page's blocks into ``namespace`` (a test module's globals); raise if one fails.

    The module pytest collects for a page's tests is two lines that call this, so its blocks
    run exactly as in the first pass, top-level ``await`` included, at their own lines.
    """
    path = DOCS / page
    failures = run_blocks(path, python_blocks(path), namespace, explain_asserts=True)
    if failures:
        raise RuntimeError(f"docs/{page}, line {failures[0][0]}:\n{failures[0][1]}")


def run_page_tests(page: str, workdir: Path) -> str | None:
    """Run the page's test functions with pytest in ``workdir``; its output when they fail."""
    workdir.mkdir()
    module = workdir / "test_page.py"
    module.write_text(
        f"from tests.docs.snippets import load_page\n\nload_page({page!r}, globals())\n",
        encoding="utf-8",
    )
    (workdir / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n",
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)]
    argv += ["--rootdir", str(workdir), "-c", str(workdir / "pytest.ini")]
    done = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else done.stdout + done.stderr


def run_page(page: str) -> Report:
    """Run one page (relative to docs/, or any Markdown file) here, in the working directory."""
    path = DOCS / page  # an absolute ``page`` stays itself
    blocks = python_blocks(path)
    report = Report(page, blocks=len(blocks), failures=misfiled(path))
    if not blocks:
        return report
    module = page_module(page)
    report.failures += run_blocks(path, blocks, module.__dict__)
    report.failures.sort()
    if not report.failures and page_tests(module):
        report.tests = run_page_tests(page, Path.cwd() / "pytest-run")
    return report


def main(argv: list[str]) -> int:
    page, destination = argv
    report = run_page(page)
    Path(destination).write_text(json.dumps(asdict(report)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
