from trellis.routing import View, is_view_class


class Item(View):
    def get(self, id: int) -> dict[str, int]:
        return {"id": id}

    async def put(self, id: int) -> None:
        return None


class Child(Item):
    def delete(self) -> None:
        return None

    def helper(self) -> None:  # not a verb: ignored
        return None


def test_allowed_methods_in_canonical_order() -> None:
    assert Item.allowed_methods() == ("GET", "PUT")
    assert Child.allowed_methods() == ("GET", "PUT", "DELETE")
    assert View.allowed_methods() == ()


def test_handler_for() -> None:
    assert Item.handler_for("GET") is Item.get
    assert Item.handler_for("put") is Item.put
    assert Item.handler_for("POST") is None
    assert Child.handler_for("HELPER") is None


def test_non_callable_attribute_is_not_a_verb() -> None:
    class Odd(View):
        post = "not a function"

        def head(self) -> None:
            return None

    assert Odd.allowed_methods() == ("HEAD",)


def test_custom_verb_list() -> None:
    class Report(View):
        http_method_names = ("get", "report")

        def report(self) -> None:
            return None

    assert Report.allowed_methods() == ("REPORT",)


def test_is_view_class() -> None:
    assert is_view_class(Item)
    assert not is_view_class(Item())
    assert not is_view_class(View.allowed_methods)
    assert not is_view_class(int)
