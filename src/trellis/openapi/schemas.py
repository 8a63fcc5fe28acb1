"""JSON Schemas for the document, made by pydantic in one pass so that models are shared.

Operations are built with :class:`Slot` placeholders where a schema goes; :meth:`Schemas.resolve`
then asks pydantic for every schema at once (``GenerateJsonSchema.generate_definitions``), so a
model used by ten operations is one entry of ``components.schemas`` referenced ten times, and two
models of the same name from different modules get distinct names.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

__all__ = ["REF_TEMPLATE", "Schemas", "Slot"]

REF_TEMPLATE = "#/components/schemas/{model}"


class Slot:
    """Where a generated schema goes, filled in by :meth:`Schemas.resolve`."""

    __slots__ = ("extra", "key", "mode")

    def __init__(self, key: int, mode: JsonSchemaMode, extra: dict[str, Any] | None = None) -> None:
        self.key = key
        self.mode = mode
        #: Keywords added beside the generated ones (a parameter's ``default``).
        self.extra = extra


class Schemas:
    """Collects the types the document needs and turns them into schemas in one pass."""

    def __init__(self, generator: type[GenerateJsonSchema] = GenerateJsonSchema) -> None:
        self.generator = generator
        self._inputs: list[tuple[int, JsonSchemaMode, Any]] = []
        self._by_type: dict[tuple[int, JsonSchemaMode], Slot] = {}
        # The annotations seen, kept alive so an id() is never reused for another object.
        self._kept: list[Any] = []

    def of(
        self,
        annotation: Any,
        mode: JsonSchemaMode = "validation",
        extra: dict[str, Any] | None = None,
    ) -> Slot | dict[str, Any]:
        """A slot for the schema of ``annotation`` (a type or a ``TypeAdapter``).

        A type pydantic cannot describe (an arbitrary class) gets ``{}``: any value, which is
        true of what the document can promise about it.
        """
        adapter = annotation if isinstance(annotation, TypeAdapter) else None
        cache_key = (id(annotation), mode)
        found = self._by_type.get(cache_key)
        if found is not None:
            return Slot(found.key, mode, extra) if extra else found
        try:
            if adapter is None:
                adapter = TypeAdapter(annotation)
            core = adapter.core_schema
            self.generator(ref_template=REF_TEMPLATE).generate(core, mode)
        except Exception:
            return dict(extra or {})
        slot = Slot(len(self._inputs), mode)
        self._inputs.append((slot.key, mode, core))
        self._by_type[cache_key] = slot
        self._kept.append(annotation)
        return Slot(slot.key, mode, extra) if extra else slot

    def resolve(self, document: dict[str, Any]) -> dict[str, Any]:
        """Generate every schema, fill the slots of ``document`` and add ``components.schemas``."""
        generator = self.generator(ref_template=REF_TEMPLATE)
        mapping, definitions = (
            generator.generate_definitions(self._inputs) if self._inputs else ({}, {})
        )

        def filled(value: Any) -> Any:
            if isinstance(value, Slot):
                schema = mapping[(value.key, value.mode)]
                return {**schema, **value.extra} if value.extra else schema
            if isinstance(value, dict):
                return {k: filled(v) for k, v in value.items()}
            if isinstance(value, list):
                return [filled(v) for v in value]
            return value

        result: dict[str, Any] = filled(document)
        if definitions:
            components = result.setdefault("components", {})
            components["schemas"] = {
                name: definitions[name] for name in sorted(definitions, key=str.lower)
            }
        return result
