"""``Form``: a WTForms form bound to a Trellis request, CSRF-checked when the battery is on.

A handler that asks for a ``Form`` subclass (``def create(form: PostForm)``) gets it from the
forms battery's provider, bound the way Flask-WTF binds: to the submitted body (url-encoded or
multipart, files included) when the method is POST, PUT, PATCH or DELETE, and to nothing on GET
or HEAD, so that the page renders the form empty or with its defaults.  The query string is never
read: a search form that submits with GET is a handful of query parameters, which handlers
already take by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

import wtforms
from markupsafe import Markup

from trellis.forms import reads
from trellis.forms.csrf import RequestCSRF, csrf_battery

if TYPE_CHECKING:
    from trellis.http.request import Request

__all__ = ["SUBMIT_METHODS", "Form"]

#: Methods whose body a form is bound to (the others render an unbound form).
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Form(wtforms.Form):  # type: ignore[misc]
    """A WTForms form that knows the request it was bound to.

    With the CSRF battery installed (``app.install(CSRF())``) every form gets a hidden
    ``csrf_token`` field, rendered with a fresh masked token and checked by :meth:`validate`;
    ``class Meta: csrf = False`` turns that off for one form (a search box, a form posted by
    another site on purpose).  ``form.meta.request`` is the request, ``form.meta.obj`` the object
    given to :meth:`fill` or the constructor.
    """

    class Meta:
        #: ``None``: on when the app has the CSRF battery; ``True``/``False`` force it.
        csrf: bool | None = None
        csrf_class = RequestCSRF
        csrf_field_name = "csrf_token"
        request: Request | None = None
        obj: Any = None
        #: A database session for forms built by hand that read the database (see ``reads``).
        session: Any = None

    def __init__(
        self,
        formdata: Any = None,
        obj: Any = None,
        prefix: str = "",
        data: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        *,
        request: Request | None = None,
        session: Any = None,
        **kwargs: Any,
    ) -> None:
        options = dict(meta or {})
        csrf = options.get("csrf", self._wtforms_meta.csrf)
        battery = csrf_battery(request.scope.get("app")) if request is not None else None
        if csrf is None:
            csrf = battery is not None
        options["csrf"] = bool(csrf)
        if csrf:
            options.setdefault("csrf_context", request)
            if battery is not None:  # the name the battery reads, if it was renamed
                options.setdefault("csrf_field_name", battery.field_name)
        options["request"] = request
        options["obj"] = obj
        if session is not None:
            options["session"] = session
        self._formdata = formdata
        super().__init__(formdata, obj=obj, prefix=prefix, data=data, meta=options, **kwargs)

    @classmethod
    async def from_request(
        cls,
        request: Request,
        *,
        obj: Any = None,
        data: dict[str, Any] | None = None,
        prefix: str = "",
        **kwargs: Any,
    ) -> Self:
        """Bind a form to ``request`` as the provider does, then run :meth:`prepare`.

        For ``async def`` code that builds its form itself (two forms on one page, each with
        its ``prefix``); a handler that asks for ``form: PostForm`` gets this already done.
        """
        formdata = await request.form() if request.method in SUBMIT_METHODS else None
        form = cls(formdata, obj=obj, prefix=prefix, data=data, request=request, **kwargs)
        await form.prepare()
        return form

    async def prepare(self) -> None:
        """Load what the form needs before the handler runs (called once it is bound).

        Override it to fill choices from an API or a database with ``await``; it runs on the
        event loop before ``def`` handlers go to their thread, so the handler finds everything
        ready.  The default answers what the fields ask of the database (a model form's
        foreign-key choices and unique checks); an override should ``await super().prepare()``.
        """
        await self.fetch()

    async def fetch(self, session: Any = None) -> None:
        """Read what the fields and validators need from the database, in one short session.

        ``session`` (a ``Session`` or an ``AsyncSession``) defaults to ``meta.session``, else a
        session of the request's app; a form that reads nothing never opens one.
        """
        await reads.fetch(self, session)

    # --- submission and validation ------------------------------------------------------------

    def is_submitted(self) -> bool:
        """Whether the request carries a submission (POST, PUT, PATCH or DELETE).

        A form built without a request is submitted when it was given form data.
        """
        request = self.meta.request
        if request is None:
            return self._formdata is not None
        return request.method in SUBMIT_METHODS

    def validate_on_submit(self, extra_validators: dict[str, Any] | None = None) -> bool:
        """``True`` for a submitted form that validates; ``False`` on GET, without validating."""
        return self.is_submitted() and bool(self.validate(extra_validators))

    def fill(self, obj: Any = None, data: dict[str, Any] | None = None, **kwargs: Any) -> Self:
        """Take initial values from ``obj`` (or ``data``/keywords); submitted values still win.

        The edit page's step: ``form.fill(post)`` shows the post on GET, and on POST keeps what
        the user typed (a checkbox left unticked is ``False``, as the browser meant it).
        """
        self.meta.obj = obj
        self.process(self._formdata, obj=obj, data=data, **kwargs)
        return self

    @property
    def data(self) -> dict[str, Any]:
        """The fields' values by name, without the CSRF token."""
        skip = self.meta.csrf_field_name if self.meta.csrf else None
        return {name: field.data for name, field in self._fields.items() if name != skip}

    def hidden_tag(self) -> Markup:
        """Every hidden field (the CSRF token among them), for a hand-written ``<form>``."""
        hidden = [field() for field in self if _is_hidden(field)]
        return Markup("").join(hidden)


def _is_hidden(field: Any) -> bool:
    return getattr(field.widget, "input_type", None) == "hidden"
