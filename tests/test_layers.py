"""The core imports only the core: an allow-list check over the source, beside import-linter's
deny-list (which can only name batteries that already exist)."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "trellis"

CORE = {
    "trellis",
    "trellis.__about__",
    "trellis.app",
    "trellis.checks",
    "trellis.concurrency",
    "trellis.conf",
    "trellis.dispatch",
    "trellis.error_answers",
    "trellis.exceptions",
    "trellis.generators",
    "trellis.handlers",
    "trellis.lazy",
    "trellis.http",
    "trellis.middleware",
    "trellis.optional",
    "trellis.params",
    "trellis.probes",
    "trellis.results",
    "trellis.routing",
    "trellis.wsgi",
}
CORE_FILES = [
    *(
        SRC / name
        for name in (
            "__init__.py",
            "app.py",
            "checks.py",
            "concurrency.py",
            "conf.py",
            "dispatch.py",
            "error_answers.py",
            "exceptions.py",
            "generators.py",
            "handlers.py",
            "lazy.py",
            "optional.py",
            "params.py",
            "probes.py",
            "results.py",
            "wsgi.py",
        )
    ),
    *SRC.joinpath("http").rglob("*.py"),
    *SRC.joinpath("routing").rglob("*.py"),
    *SRC.joinpath("middleware").rglob("*.py"),
]
# Third-party packages the core may use (DESIGN.md's core dependencies).
CORE_THIRD_PARTY = {"pydantic", "pydantic_settings", "orjson", "python_multipart", "multipart"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_only_core_modules_and_its_own_dependencies() -> None:
    offenders = []
    for path in CORE_FILES:
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top == "trellis":
                parts = module.split(".")
                allowed = any(".".join(parts[:i]) in CORE for i in range(2, len(parts) + 1)) or (
                    module == "trellis"
                )
                if not allowed:
                    offenders.append(f"{path.relative_to(SRC)} imports {module}")
            elif top not in CORE_THIRD_PARTY and not _is_stdlib(top):
                offenders.append(f"{path.relative_to(SRC)} imports third-party {module}")
    assert offenders == []


def _is_stdlib(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names or name == "__future__"
