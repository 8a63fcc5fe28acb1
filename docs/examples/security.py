"""Security: the defaults every app gets, and the options of a site behind a TLS proxy.

Nothing here is needed for the defaults (allowed hosts, security headers): every app has them.
This site also runs behind a load balancer on 10.0.0.0/8 that terminates TLS, so it trusts
that network's X-Forwarded-* headers, redirects plain HTTP to HTTPS (except the health check
the balancer polls over HTTP) and sends a Content-Security-Policy with a nonce per request.
"""

from __future__ import annotations

import html
from typing import Any

from pydantic import Field

from trellis import App, HTMLResponse, Request, redirect
from trellis.conf import Settings
from trellis.security import Security, safe_next


class SiteSettings(Settings):
    # Each of these can also come from the environment: TRELLIS_ALLOWED_HOSTS='["example.com"]'.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["example.com", ".example.com"])
    security_trusted_proxies: list[str] = Field(default_factory=lambda: ["10.0.0.0/8"])
    security_https_redirect: bool = True
    security_https_redirect_exempt: list[str] = Field(default_factory=lambda: ["/health"])
    security_hsts_include_subdomains: bool = True


app = App(__name__, settings=SiteSettings())
# Options in code win over the settings; this one is code because it belongs to the templates.
app.install(
    Security(csp={"default-src": "'self'", "img-src": ["'self'", "data:"], "object-src": "'none'"})
)


@app.get("/")
def index(request: Request) -> HTMLResponse:
    # In a Jinja2 template: <script nonce="{{ csp_nonce() }}">
    nonce = request.state.csp_nonce
    client = request.client.host if request.client else "unknown"
    return HTMLResponse(
        f"<h1>Welcome</h1><p>You are {html.escape(client)}, over {request.url.scheme}.</p>"
        f'<script nonce="{nonce}">document.body.dataset.ready = "yes"</script>'
    )


@app.get("/health")
def health() -> dict[str, Any]:
    return {"ok": True}


@app.route("/login", methods=["GET", "POST"])
async def login(request: Request) -> Any:
    if request.method == "POST":
        form = await request.form()
        # ... check the credentials, then go where ?next= said, if it stays on this site
        return redirect(safe_next(request, url=str(form.get("next") or "") or None))
    target = html.escape(request.query.get("next", ""))
    return HTMLResponse(
        f'<form method="post"><input type="hidden" name="next" value="{target}">'
        "<button>Log in</button></form>"
    )
