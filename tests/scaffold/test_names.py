"""Names a project or blueprint may take: each refusal says why and what to use instead."""

from __future__ import annotations

import pytest

from trellis.scaffold import ScaffoldError, check_name


@pytest.mark.parametrize("name", ["mysite", "my_site", "Shop2", "_private"])
def test_identifiers_are_accepted(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "my-site",
            "use letters, digits and underscores, not starting with a digit (for example 'my_site')",
        ),
        ("2fast", "for example 'project_2fast'"),
        ("café", "for example 'caf'"),
        ("", "cannot be a project name"),
        ("class", "'class' is a Python keyword"),
        ("match", "'match' is a Python keyword"),
        ("json", "module of Python's standard library"),
        ("email", "module of Python's standard library"),
        ("trellis", "taken by Trellis"),
        ("tests", "taken by the project layout"),
        ("migrations", "taken by the project layout"),
        ("pytest", "already an importable module"),
        ("click", "already an importable module"),
    ],
)
def test_refusals_say_why(name: str, message: str) -> None:
    with pytest.raises(ScaffoldError) as raised:
        check_name(name)
    assert message in str(raised.value)


def test_the_message_names_what_is_being_made() -> None:
    with pytest.raises(ScaffoldError, match="cannot be a blueprint name"):
        check_name("a b", "blueprint")
