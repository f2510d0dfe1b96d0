"""Opt-in eventual consistency for local stacks: a stale-read proxy between the function and DynamoDB.

Where the functions run on this machine (the embedded emulators), ``up`` starts a proxy of the stack's
own and stops it by PID. Where they run inside a container (the project's Docker images), only a proxy
in that container reaches them: the images run a shared one, and ``up`` sets the table's window through
its control API (``HARNESS_CONSISTENCY_PROXY_URL``).
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bootstrap.report import Outcome
from bootstrap.settings import AWS, EMBEDDED, Settings
from bootstrap.target import TargetError
from local_runtime.emulators.process import (
    EmulatorRecord,
    clean_environment,
    is_alive,
    pick_port,
    start_recorded,
    stop_recorded,
)

START_TIMEOUT_S = 15.0
CONTROL_TIMEOUT_S = 3.0


def _record_path(settings: Settings) -> Path:
    return settings.state_dir / "consistency-proxy.json"


def _shared_record_path(settings: Settings) -> Path:
    return settings.state_dir / "consistency-window.json"


def _identity(settings: Settings, upstream: str) -> str:
    return f"consistency-proxy window={settings.consistency_window_ms:g}ms upstream={upstream}"


def ensure_proxy(settings: Settings, upstream: str) -> tuple[str, Outcome]:
    """The URL the function's DynamoDB calls go to for the settings' stale-read window (only when one is set)."""
    if settings.target == AWS:
        raise TargetError("eventual-consistency injection is for local stacks: AWS is eventually consistent already")
    if settings.consistency_proxy_url:
        return _set_shared_window(settings)
    if settings.target != EMBEDDED and not settings.functions_run_here:
        raise TargetError(
            f"the functions of the emulator at {upstream} do not run on this machine, so a proxy here cannot "
            "reach them; the project's Docker images run one beside the emulator: set "
            "HARNESS_CONSISTENCY_PROXY_URL (http://127.0.0.1:4600 for docker compose), or drop the window"
        )
    record = EmulatorRecord.load(_record_path(settings))
    if record is not None and record.name == _identity(settings, upstream) and is_alive(record.pid):
        return record.endpoint_url, Outcome.REUSED
    stop_proxy(settings)
    port = pick_port(4600)
    command = [sys.executable, "-m", "local_runtime.consistency_proxy", "--upstream", upstream, "--port", str(port)]
    command += ["--window-ms", f"{settings.consistency_window_ms:g}"]
    record = start_recorded(
        _identity(settings, upstream),
        command,
        clean_environment({}),
        port,
        _record_path(settings),
        settings.state_dir / "consistency-proxy.log",
        "/_harness/health",
        START_TIMEOUT_S,
    )
    return record.endpoint_url, Outcome.STARTED


def _control(url: str, method: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the proxy URL the user configured
        url, method=method, data=json.dumps(body).encode() if body is not None else None
    )
    with urllib.request.urlopen(request, timeout=CONTROL_TIMEOUT_S) as response:  # noqa: S310
        return json.loads(response.read())


def _window_url(control_url: str, table: str) -> str:
    return f"{control_url.rstrip('/')}/_harness/consistency/{urllib.parse.quote(table, safe='')}"


def _set_shared_window(settings: Settings) -> tuple[str, Outcome]:
    control_url = settings.consistency_proxy_url or ""
    try:
        function_url = _control(f"{control_url.rstrip('/')}/_harness/health", "GET")["function_url"]
        _control(_window_url(control_url, settings.names.table), "PUT", {"window_ms": settings.consistency_window_ms})
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        raise TargetError(
            f"no consistency proxy answers at {control_url} (HARNESS_CONSISTENCY_PROXY_URL): {error}"
        ) from error
    record = {"control_url": control_url, "table": settings.names.table}
    _shared_record_path(settings).parent.mkdir(parents=True, exist_ok=True)
    _shared_record_path(settings).write_text(json.dumps(record) + "\n")
    return function_url, Outcome.UPDATED


def stop_proxy(settings: Settings) -> bool:
    """End the stack's stale reads: stop its own proxy by PID, or clear its window on the shared one."""
    stopped = stop_recorded(_record_path(settings)) is not None
    shared = _shared_record_path(settings)
    try:
        record = json.loads(shared.read_text())
    except (FileNotFoundError, ValueError):
        return stopped
    try:
        _control(_window_url(record["control_url"], record["table"]), "DELETE")
    except (urllib.error.URLError, OSError, ValueError):
        pass  # the emulator's container (and its proxy) may be gone already: nothing is stale there then
    shared.unlink(missing_ok=True)
    return True


def public_proxy_url(settings: Settings) -> str | None:
    """The shared proxy as the user's machine reaches it (Compose: the host of HARNESS_PUBLIC_ENDPOINT)."""
    if not settings.consistency_proxy_url or not settings.public_endpoint_url:
        return settings.consistency_proxy_url
    proxy = urllib.parse.urlsplit(settings.consistency_proxy_url)
    public_host = urllib.parse.urlsplit(settings.public_endpoint_url).hostname
    return proxy._replace(netloc=f"{public_host}:{proxy.port}" if proxy.port else public_host).geturl()
