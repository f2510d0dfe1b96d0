"""The stack's fault proxy between the function and DynamoDB: started, reused and stopped for local stacks.

Opt-in: ``up --faults`` (run-time faults) or ``--consistency-window-ms`` (stale reads) put it in the
function's path. Where the functions run on this machine (the embedded emulators), ``up`` starts a proxy
of the stack's own and stops it by PID. Where they run inside a container (the project's Docker images),
only a proxy in that container reaches them: the images run a shared one, and ``up`` sets the table's
window through its control API (``HARNESS_FAULT_PROXY_URL``); ``down`` ends the window and clears the
table's faults there.
"""

import json
import sys
import urllib.parse
from pathlib import Path

from bootstrap.report import Outcome
from bootstrap.settings import AWS, EMBEDDED, Settings
from bootstrap.target import TargetError
from local_runtime.faults.client import FaultApi, FaultApiError, control
from local_runtime.processes import (
    EmulatorRecord,
    clean_environment,
    is_alive,
    start_on_free_port,
    start_recorded,
    stop_recorded,
)

START_TIMEOUT_S = 15.0
LOCAL_ONLY = "faults and stale reads are injected into local stacks only, never into a real AWS account"


# Each stack has a proxy of its own (or its own entry on the shared one), recorded under its name: several stacks in
# one state folder (one emulator) never stop each other's.
def _record_path(settings: Settings) -> Path:
    return settings.state_dir / f"fault-proxy-own-{settings.stack_name}.json"


def _shared_record_path(settings: Settings) -> Path:
    return settings.state_dir / f"fault-proxy-shared-{settings.stack_name}.json"


# What versions before the per-stack records kept (one proxy per state folder): stopped with the folder's own stack.
_LEGACY_RECORDS = ("fault-proxy.json", "consistency-proxy.json")


def _identity(settings: Settings, upstream: str) -> str:
    return f"fault-proxy window={settings.consistency_window_ms:g}ms upstream={upstream}"


def wanted(settings: Settings) -> bool:
    """Whether the stack's function calls DynamoDB through the proxy."""
    return settings.faults or settings.consistency_window_ms > 0


def ensure_proxy(settings: Settings, upstream: str) -> tuple[str, Outcome]:
    """The URL the function's DynamoDB calls go to: the stack's own proxy, or the shared one beside the emulator."""
    if settings.target == AWS:
        raise TargetError(LOCAL_ONLY)
    if settings.fault_proxy_url:
        return _use_shared(settings)
    if settings.target != EMBEDDED and not settings.functions_run_here:
        raise TargetError(
            f"the functions of the emulator at {upstream} do not run on this machine, so a proxy here cannot "
            "reach them; the project's Docker images run one beside the emulator: set "
            "HARNESS_FAULT_PROXY_URL (http://127.0.0.1:4600 for docker compose), or drop --faults and the window"
        )
    record = EmulatorRecord.load(_record_path(settings))
    if record is not None and record.name == _identity(settings, upstream) and is_alive(record.pid):
        return record.endpoint_url, Outcome.REUSED
    stop_proxy(settings)

    def start_on(port: int) -> EmulatorRecord:
        command = [
            sys.executable,
            "-m",
            "local_runtime.faults.proxy_server",
            "--upstream",
            upstream,
            "--port",
            str(port),
        ]
        command += ["--window-ms", f"{settings.consistency_window_ms:g}"]
        return start_recorded(
            _identity(settings, upstream),
            command,
            clean_environment({}),
            port,
            _record_path(settings),
            settings.state_dir / f"fault-proxy-own-{settings.stack_name}.log",
            "/_harness/health",
            START_TIMEOUT_S,
        )

    # Several stacks (test workers, checkouts) may start their proxies at the same moment.
    return start_on_free_port(4600, start_on).endpoint_url, Outcome.STARTED


def _window_url(control_url: str, table: str) -> str:
    return f"{control_url.rstrip('/')}/_harness/consistency/{urllib.parse.quote(table, safe='')}"


def _use_shared(settings: Settings) -> tuple[str, Outcome]:
    control_url = settings.fault_proxy_url or ""
    try:
        function_url = control(f"{control_url.rstrip('/')}/_harness/health", "GET")["function_url"]
        window_url = _window_url(control_url, settings.names.table)
        if settings.consistency_window_ms > 0:
            control(window_url, "PUT", {"window_ms": settings.consistency_window_ms})
        else:
            control(window_url, "DELETE")
    except (FaultApiError, KeyError) as error:
        raise TargetError(f"no fault proxy answers at {control_url} (HARNESS_FAULT_PROXY_URL): {error}") from error
    record = {"control_url": control_url, "table": settings.names.table}
    _shared_record_path(settings).parent.mkdir(parents=True, exist_ok=True)
    _shared_record_path(settings).write_text(json.dumps(record) + "\n")
    return function_url, Outcome.UPDATED


def stop_proxy(settings: Settings, legacy: bool = False) -> bool:
    """Take the stack out of the proxy: stop its own by PID, or end its window and faults on the shared one.
    ``legacy``: also the state folder's one proxy of earlier versions (when the folder's outputs are this stack's)."""
    stopped = stop_recorded(_record_path(settings)) is not None
    for name in _LEGACY_RECORDS if legacy else ():
        stopped |= stop_recorded(settings.state_dir / name) is not None
    shared = _shared_record_path(settings)
    try:
        record = json.loads(shared.read_text())
    except (FileNotFoundError, ValueError):
        return stopped
    try:
        control(_window_url(record["control_url"], record["table"]), "DELETE")
        FaultApi(record["control_url"], record["table"]).clear()
    except FaultApiError:
        pass  # the emulator's container (and its proxy) may be gone already: nothing is injected there then
    shared.unlink(missing_ok=True)
    return True


def stop_every_proxy(state_dir: Path) -> int:
    """Stop every stack's own proxy recorded in ``state_dir`` (its emulator is being stopped); how many were."""
    records = {*state_dir.glob("fault-proxy-own-*.json"), *(state_dir / name for name in _LEGACY_RECORDS)}
    return sum(stop_recorded(path) is not None for path in records)


def control_url(settings: Settings) -> str | None:
    """The proxy as the user's machine reaches it: the shared one (Compose: on the host of
    ``HARNESS_PUBLIC_ENDPOINT``) whenever one is configured, else the stack's own if it runs (else None)."""
    if not settings.fault_proxy_url:
        record = EmulatorRecord.load(_record_path(settings)) if wanted(settings) else None
        return record.endpoint_url if record is not None else None
    if not settings.public_endpoint_url:
        return settings.fault_proxy_url
    proxy = urllib.parse.urlsplit(settings.fault_proxy_url)
    public_host = urllib.parse.urlsplit(settings.public_endpoint_url).hostname
    return proxy._replace(netloc=f"{public_host}:{proxy.port}" if proxy.port else public_host).geturl()


def description(settings: Settings) -> str:
    """What the proxy injects for this stack, for ``up``'s progress line."""
    window = f"{settings.consistency_window_ms:g} ms stale-read window" if settings.consistency_window_ms > 0 else ""
    return " + ".join(part for part in ("faults" if settings.faults else "", window) if part)
