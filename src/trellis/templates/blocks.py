"""Render one block of a template, for htmx and other fragment requests.

``Template("blog/list.html", block="rows")`` renders only ``{% block rows %}``: the same file
serves the full page and the fragment, with no partial templates to keep in step.  A block
rendered alone behaves as it does inside the page:

* a block the template inherits without overriding it is found in its parents;
* ``{{ super() }}`` reaches the parent's version;
* top-level ``{% import %}``, ``{% from ... import %}`` and ``{% set %}`` of the template and
  its parents are run first, so macros imported at the top of the file work inside the block.

The inheritance chain is read from the templates' ``{% extends "literal" %}`` once per loaded
template (a computed ``extends`` cannot be followed statically; such a template's own blocks
still render).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, Template, TemplateError, nodes

__all__ = ["BlockNotFound", "render_block", "render_block_async"]


class BlockNotFound(TemplateError):
    """``block=`` names a block that the template and its parents do not define."""

    def __init__(self, template: str | None, block: str, known: list[str]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(
            f"template {template!r} has no block {block!r} (blocks it can render: {listed})"
        )
        self.template = template
        self.block = block


@dataclass(frozen=True, slots=True)
class _Chain:
    templates: tuple[Template, ...]  # the template first, then its parents
    prelude: Template | None  # the top-level imports and sets of the whole chain

    def up_to_date(self) -> bool:
        return all(t.is_up_to_date for t in self.templates) and (
            self.prelude is None or self.prelude.is_up_to_date
        )


_chains: weakref.WeakKeyDictionary[Template, _Chain] = weakref.WeakKeyDictionary()
_TOP_LEVEL = (nodes.Import, nodes.FromImport, nodes.Assign)


def _chain(env: Environment, template: Template) -> _Chain:
    chain = _chains.get(template)
    if chain is None or (env.auto_reload and not chain.up_to_date()):
        chain = _chains[template] = _read_chain(env, template)
    return chain


def _read_chain(env: Environment, template: Template) -> _Chain:
    templates = [template]
    statements: list[nodes.Node] = []
    seen = {template.name}
    current = template
    while current.name is not None and env.loader is not None:
        source, filename, _ = env.loader.get_source(env, current.name)
        tree = env.parse(source, current.name, filename)
        # Parents' top-level statements run first, as they do when the page renders.
        statements[:0] = [node for node in tree.body if isinstance(node, _TOP_LEVEL)]
        extends = next((n for n in tree.body if isinstance(n, nodes.Extends)), None)
        if extends is None or not isinstance(extends.template, nodes.Const):
            break
        name = extends.template.value
        if not isinstance(name, str) or name in seen:
            break
        seen.add(name)
        current = env.get_template(name, parent=current.name)
        templates.append(current)
    prelude = None
    if statements:
        tree = nodes.Template(statements, lineno=1)
        tree.set_environment(env)
        prelude = env.from_string(tree)
    return _Chain(tuple(templates), prelude)


def _block_context(template: Template, chain: _Chain, block: str, variables: dict[str, Any]) -> Any:
    context = template.new_context(variables)
    for parent in chain.templates[1:]:
        for name, func in parent.blocks.items():
            context.blocks.setdefault(name, []).append(func)
    if block not in context.blocks:
        raise BlockNotFound(template.name, block, list(context.blocks))
    return context


async def render_block_async(
    env: Environment, template: Template, block: str, variables: dict[str, Any]
) -> str:
    """Render ``block`` of ``template`` in an async environment."""
    chain = _chain(env, template)
    try:
        if chain.prelude is not None:
            prelude = chain.prelude.new_context(variables)
            async for _ in chain.prelude.root_render_func(prelude):  # type: ignore[attr-defined]
                pass
            variables = {**variables, **prelude.vars}
        context = _block_context(template, chain, block, variables)
        parts = [part async for part in context.blocks[block][0](context)]
        return env.concat(parts)
    except BlockNotFound:
        raise
    except Exception:
        # Point the traceback at the template's file and line, as a full render does.
        return env.handle_exception()


def render_block(
    env: Environment, template: Template, block: str, variables: dict[str, Any]
) -> str:
    """Render ``block`` of ``template`` in a sync environment."""
    chain = _chain(env, template)
    try:
        if chain.prelude is not None:
            prelude = chain.prelude.new_context(variables)
            for _ in chain.prelude.root_render_func(prelude):
                pass
            variables = {**variables, **prelude.vars}
        context = _block_context(template, chain, block, variables)
        return env.concat(context.blocks[block][0](context))
    except BlockNotFound:
        raise
    except Exception:
        return env.handle_exception()
