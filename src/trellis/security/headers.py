"""The security headers, encoded once at start-up as the raw byte pairs ASGI sends.

Every response gets the same few lines, so they are built here once per app and appended to
each ``http.response.start`` message as they are; a Content-Security-Policy with a nonce is the
one header that changes per request, and it is kept as a template with a marker the nonce
replaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trellis.exceptions import ConfigurationError

__all__ = ["NONCE_MARKER", "HeaderSet", "build_csp", "build_headers"]

#: Where the per-request nonce goes in a CSP template (a NUL can never be in a real header).
NONCE_MARKER = b"\x00nonce\x00"

RawHeaders = list[tuple[bytes, bytes]]
CSPValue = str | Mapping[str, str | Sequence[str]]


@dataclass(frozen=True, slots=True)
class HeaderSet:
    """What the middleware appends: one list for HTTP, one for HTTPS (with HSTS)."""

    http: RawHeaders
    https: RawHeaders
    #: The CSP line when it carries a nonce (name, template); None when there is none.
    csp_nonce: tuple[bytes, bytes] | None
    #: Every header name the battery may add, so a response that set one is left alone.
    names: frozenset[bytes]


def build_csp(
    policy: CSPValue, *, nonce_in: Sequence[str] = (), frame_ancestors: str | None = None
) -> tuple[str, bool]:
    """Serialise a policy; add the nonce marker to ``nonce_in`` directives.

    A directive named in ``nonce_in`` but missing from the policy is created from ``default-src``
    (which it would otherwise fall back to), so adding a nonce never loosens the policy.
    Returns the header value and whether it holds a nonce.
    """
    directives: dict[str, list[str]] = {}
    if isinstance(policy, str):
        for part in policy.split(";"):
            words = part.split()
            if words:
                directives[words[0].lower()] = words[1:]
    else:
        for name, value in policy.items():
            values = value.split() if isinstance(value, str) else [str(v) for v in value]
            directives[name.strip().lower()] = values
    marker = NONCE_MARKER.decode("latin-1")
    has_nonce = False
    for name in nonce_in:
        name = name.strip().lower()
        if name not in directives:
            if "default-src" not in directives:
                continue
            directives[name] = [v for v in directives["default-src"] if v != "'none'"]
        directives[name] = [v for v in directives[name] if v != "'none'"]
        directives[name].append(f"'nonce-{marker}'")
        has_nonce = True
    if frame_ancestors and "frame-ancestors" not in directives:
        directives["frame-ancestors"] = frame_ancestors.split()
    text = "; ".join(" ".join([name, *values]) for name, values in directives.items())
    return text, has_nonce


def _pair(name: str, value: str) -> tuple[bytes, bytes]:
    if any(c in value for c in "\r\n\0"):
        raise ConfigurationError(f"the {name} header must not contain CR, LF or NUL: {value!r}")
    try:
        return name.lower().encode("latin-1"), value.encode("latin-1")
    except UnicodeEncodeError:
        raise ConfigurationError(f"the {name} header must be Latin-1 text: {value!r}") from None


def build_headers(
    *,
    content_type_nosniff: bool,
    frame_options: str | None,
    frame_ancestors: str | None,
    referrer_policy: str | None,
    cross_origin_opener_policy: str | None,
    permissions_policy: str | None,
    csp: CSPValue | None,
    csp_report_only: bool,
    csp_nonce_in: Sequence[str],
    hsts_seconds: int,
    hsts_include_subdomains: bool,
    hsts_preload: bool,
) -> HeaderSet:
    """Encode the headers the options ask for (each ``None``/``False``/``0`` leaves one out)."""
    common: RawHeaders = []
    if content_type_nosniff:
        common.append((b"x-content-type-options", b"nosniff"))
    if frame_options:
        value = frame_options.upper()
        if value not in ("DENY", "SAMEORIGIN"):
            raise ConfigurationError(
                f"frame_options must be 'DENY', 'SAMEORIGIN' or None, not {frame_options!r}"
            )
        common.append((b"x-frame-options", value.encode("ascii")))
    if referrer_policy:
        common.append(_pair("Referrer-Policy", referrer_policy))
    if cross_origin_opener_policy:
        common.append(_pair("Cross-Origin-Opener-Policy", cross_origin_opener_policy))
    if permissions_policy:
        common.append(_pair("Permissions-Policy", permissions_policy))
    csp_nonce: tuple[bytes, bytes] | None = None
    if csp:
        name = (
            "Content-Security-Policy-Report-Only" if csp_report_only else "Content-Security-Policy"
        )
        # frame-ancestors is ignored in a report-only policy, so it then gets its own header
        merged_ancestors = None if csp_report_only else frame_ancestors
        text, has_nonce = build_csp(csp, nonce_in=csp_nonce_in, frame_ancestors=merged_ancestors)
        pair = _pair(name, text.replace(NONCE_MARKER.decode("latin-1"), ""))
        if has_nonce:
            csp_nonce = (pair[0], text.encode("latin-1"))
        else:
            common.append(pair)
        if csp_report_only and frame_ancestors:
            common.append(_pair("Content-Security-Policy", f"frame-ancestors {frame_ancestors}"))
    elif frame_ancestors:
        common.append(_pair("Content-Security-Policy", f"frame-ancestors {frame_ancestors}"))
    secure = list(common)
    if hsts_seconds > 0:
        value = f"max-age={int(hsts_seconds)}"
        if hsts_include_subdomains:
            value += "; includeSubDomains"
        if hsts_preload:
            value += "; preload"
        secure.append((b"strict-transport-security", value.encode("ascii")))
    names = {name for name, _ in secure}
    if csp_nonce is not None:
        names.add(csp_nonce[0])
    return HeaderSet(http=common, https=secure, csp_nonce=csp_nonce, names=frozenset(names))
