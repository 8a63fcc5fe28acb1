"""The recipes of docs/deployment.md run for real: trellis serve, gunicorn (ASGI and WSGI workers),
the App Engine entrypoint, the Dockerfile's command and health check, and nginx in front."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from tests.support.servers import free_port, running_server

pytestmark = pytest.mark.server

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "examples" / "deploy"
BIN = Path(sys.executable).parent


def env(**extra: str) -> dict[str, str]:
    found = {**os.environ, "PYTHONUNBUFFERED": "1", **extra}
    found.pop("TRELLIS_DEBUG", None)
    return found


def hello(base: str) -> dict[str, object]:
    response = httpx.get(base + "/", timeout=5)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    assert body["hello"] == "production"
    return body


def test_gunicorn_with_uvicorn_workers() -> None:
    port = free_port()
    # No control socket: its default path is shared by every gunicorn on the machine.
    argv = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--no-control-socket", "main:app"]
    with running_server(
        argv,
        base_url=f"http://127.0.0.1:{port}",
        probe="/health/live",
        cwd=DEPLOY,
        env=env(PORT=str(port), WEB_CONCURRENCY="2"),
    ) as base:
        hello(base)


def test_gunicorn_sync_workers_through_app_wsgi() -> None:
    port = free_port()
    # --worker-class: gunicorn would otherwise read the ASGI recipe's ./gunicorn.conf.py.
    argv = [str(BIN / "gunicorn"), "--worker-class", "sync", "--workers", "2"]
    argv += ["--no-control-socket", "--bind", f"127.0.0.1:{port}", "main:application"]
    with running_server(
        argv, base_url=f"http://127.0.0.1:{port}", probe="/health/live", cwd=DEPLOY, env=env()
    ) as base:
        hello(base)


def test_app_engine_entrypoint() -> None:
    config = yaml.safe_load((DEPLOY / "app.yaml").read_text())
    port = free_port()
    argv = shlex.split(config["entrypoint"].replace("$PORT", str(port)))
    assert argv[0] == "trellis"
    argv[0] = str(BIN / "trellis")
    variables = {k: str(v) for k, v in config["env_variables"].items()}
    # App Engine's front end sends its own host name; the loopback probe sends 127.0.0.1.
    assert json.loads(variables["TRELLIS_ALLOWED_HOSTS"]) == ["my-project.appspot.com"]
    with running_server(
        argv, base_url=f"http://127.0.0.1:{port}", probe="/health/live", cwd=DEPLOY, env=env()
    ) as base:
        hello(base)


def test_dockerfile_command_and_health_check() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))  # type: ignore[union-attr]
    check = re.search(r"HEALTHCHECK .* CMD (.*)$", dockerfile, re.M).group(1)  # type: ignore[union-attr]
    port = free_port()
    argv = [str(BIN / command[0]), *command[1:]]
    argv[argv.index("--port") + 1] = str(port)
    with running_server(
        argv, base_url=f"http://127.0.0.1:{port}", probe="/health/live", cwd=DEPLOY, env=env()
    ) as base:
        hello(base)
        probe = shlex.split(check.replace("8000", str(port)))
        assert probe[0] == "python"
        result = subprocess.run([sys.executable, *probe[1:]], capture_output=True, timeout=10)
        assert result.returncode == 0, result.stderr


@pytest.fixture
def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        message = "nginx is not installed (make test installs Debian's nginx-light)"
        if os.environ.get("TRELLIS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"TRELLIS_REQUIRE_SERVICES=1 but {message}", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture
def trellis_behind_nginx(tmp_path: Path, nginx_binary: str) -> Iterator[str]:
    app_port, proxy_port = free_port(), free_port()
    serve = [str(BIN / "trellis"), "serve", "--app", "main:app", "--port", str(app_port), "-w", "1"]
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
daemon off;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    upstream trellis {{ server 127.0.0.1:{app_port}; keepalive 8; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{proxy_port};
        location / {{ include {DEPLOY / "trellis-proxy.conf"}; }}
    }}
}}
"""
    )
    with (
        running_server(
            serve,
            base_url=f"http://127.0.0.1:{app_port}",
            probe="/health/live",
            cwd=DEPLOY,
            env=env(),
        ),
        running_server(
            [nginx_binary, "-c", str(config), "-p", str(tmp_path)],
            base_url=f"http://127.0.0.1:{proxy_port}",
            probe="/health/live",
            cwd=tmp_path,
            env=env(),
        ) as base,
    ):
        yield base


def test_nginx_in_front_of_trellis_serve(trellis_behind_nginx: str) -> None:
    body = hello(trellis_behind_nginx)
    assert isinstance(body["pid"], int)
    assert httpx.get(trellis_behind_nginx + "/health/ready").json()["status"] == "ok"
