"""Parsing the comma lists that select apps, servers and tests on the command line."""

from __future__ import annotations

from collections.abc import Mapping


def comma_list(value: str, known: Mapping[str, object], what: str) -> list[str]:
    """The names in ``value`` ("a,b"), each checked against ``known``; unknown ones end the run."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names
