"""The ``Templates`` battery: one Jinja2 environment per app, built when every registration is known.

``app.install(Templates())`` records the battery and asks the app to call it back when it starts
(``app.on_ready``); only then are the loaders, filters, tests, globals and context processors of
the app and every blueprint gathered, so the order in which things were declared never matters.
Template folders are searched in this order: the project's (beside the app), each blueprint's
``templates/`` (in registration order), then the folders other batteries add with
:meth:`Templates.add_search_path`.  The first match wins, so a project overrides a blueprint's
template by putting a file of the same name in its own folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from trellis.exceptions import ConfigurationError
from trellis.results import Template
from trellis.templates.context import ContextProcessor, default_globals
from trellis.templates.rendering import Renderer

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["AUTOESCAPE_EXTENSIONS", "Templates"]

#: Files whose output is HTML-escaped: a context value can never inject markup into them.
AUTOESCAPE_EXTENSIONS = ("html", "htm", "xml", "svg", "xhtml", "jinja", "j2")

PathLike = str | os.PathLike[str]


class Templates:
    """Render ``Template(...)`` return values with Jinja2.

    ``directory`` is relative to the app's folder (``App(__name__)``) unless absolute; several
    folders may be given.  ``auto_reload`` (re-read a template when its file changes) follows
    ``app.debug`` unless given.  ``enable_async`` lets templates await async values (pages
    that hold none still render in sync mode, see :mod:`trellis.templates.modes`); other ``options`` go to :class:`jinja2.Environment`
    (``trim_blocks=True``, ``undefined=jinja2.StrictUndefined`` ...).
    """

    def __init__(
        self,
        directory: PathLike | Sequence[PathLike] = "templates",
        *,
        auto_reload: bool | None = None,
        enable_async: bool = True,
        extensions: Sequence[str | type[jinja2.ext.Extension]] = (),
        cache_size: int = 400,
        bytecode_cache: jinja2.BytecodeCache | None = None,
        **options: Any,
    ) -> None:
        if isinstance(directory, str | os.PathLike):
            self.directories: list[PathLike] = [directory]
        else:
            self.directories = list(directory)
        self.auto_reload = auto_reload
        self.enable_async = enable_async
        self.extensions = list(extensions)
        self.cache_size = cache_size
        self.bytecode_cache = bytecode_cache
        self.options = options
        self.search_paths: list[Path] = []
        self.app: App | None = None
        self._renderer: Renderer | None = None

    # --- wiring ---------------------------------------------------------------------------

    def install(self, app: App) -> None:
        if self.app is not None:
            raise ConfigurationError("this Templates() is installed on another app already")
        if "templates" in app.extensions:
            raise ConfigurationError("a template renderer is installed on this app already")
        self.app = app
        app.extensions["templates"] = self
        app.add_response_converter(Template, self._convert)
        app.on_ready(self._build)

    def add_search_path(self, path: PathLike) -> None:
        """Let a battery ship templates (admin pages ...); searched after the project's folders."""
        if self._renderer is not None:
            raise ConfigurationError("cannot add a template folder after the app has started")
        self.search_paths.append(Path(path))

    @property
    def environment(self) -> jinja2.Environment:
        """The Jinja2 environment (available once the app has started)."""
        return self.renderer.env

    @property
    def renderer(self) -> Renderer:
        renderer = self._renderer
        if renderer is None:
            if self.app is None:
                raise ConfigurationError("Templates() is not installed: app.install(Templates())")
            self.app.startup_freeze()  # builds the environment through the ready hook
            renderer = self._renderer
            assert renderer is not None
        return renderer

    def folders(self) -> list[Path]:
        """Every folder searched for templates, in search order (existing or not)."""
        assert self.app is not None
        root = Path(self.app.root_path)
        found: list[Path] = [root / d for d in self.directories]
        for collector in self.app.iter_collectors():
            if collector is self.app:
                continue
            bp_root = getattr(collector, "root_path", None)
            if bp_root is not None:
                folder = Path(bp_root) / "templates"
                if folder.is_dir():
                    found.append(folder)
        found.extend(self.search_paths)
        unique: list[Path] = []
        for folder in found:
            if folder.resolve() not in {f.resolve() for f in unique}:
                unique.append(folder)
        return unique

    # --- start-up -------------------------------------------------------------------------

    def _build(self, app: App) -> None:
        folders = self.folders()
        auto_reload = app.debug if self.auto_reload is None else self.auto_reload
        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(f) for f in folders]),
            autoescape=jinja2.select_autoescape(AUTOESCAPE_EXTENSIONS, default_for_string=True),
            auto_reload=auto_reload,
            enable_async=self.enable_async,
            extensions=self.extensions,
            cache_size=self.cache_size,
            bytecode_cache=self.bytecode_cache,
            **self.options,
        )
        env.globals.update(default_globals(app))
        filters: dict[str, Any] = {}
        tests: dict[str, Any] = {}
        globals_: dict[str, Any] = {}
        processors: list[ContextProcessor] = []
        # The app's own registrations win over a blueprint's; earlier blueprints over later.
        collectors = list(app.iter_collectors())
        for collector in reversed(collectors):
            filters.update(collector.template_filters)
            tests.update(collector.template_tests)
            globals_.update(collector.template_globals)
        for collector in collectors:
            processors.extend(
                ContextProcessor(fn, app.providers) for fn in collector.context_processors
            )
        env.filters.update(filters)
        env.tests.update(tests)
        env.globals.update(globals_)
        self._renderer = Renderer(env, processors, folders)

    # --- rendering ------------------------------------------------------------------------

    async def _convert(self, value: Template, request: Any) -> Any:
        return await self.renderer.respond(value, request)

    async def render_async(
        self,
        name: str | Sequence[str],
        context: Mapping[str, Any] | None = None,
        *,
        request: Any = None,
        block: str | None = None,
    ) -> str:
        """Render ``name`` (or the first that exists of several names) to a string."""
        return await self.renderer.render_async(name, dict(context or {}), request, block)

    def render(
        self,
        name: str | Sequence[str],
        context: Mapping[str, Any] | None = None,
        *,
        request: Any = None,
        block: str | None = None,
    ) -> str:
        """Render synchronously, for code without an event loop (sync handlers, commands)."""
        return self.renderer.render(name, dict(context or {}), request, block)

    def __repr__(self) -> str:
        return f"<Templates {[str(d) for d in self.directories]}>"
