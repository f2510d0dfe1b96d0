"""Opt-in eventual consistency for local stacks: start, reuse and stop the consistency proxy by PID."""

import sys

from bootstrap.emulators.process import (
    EmulatorRecord,
    clean_environment,
    is_alive,
    pick_port,
    start_recorded,
    stop_recorded,
)
from bootstrap.report import Outcome
from bootstrap.settings import AWS, ENDPOINT, Settings
from bootstrap.target import TargetError

START_TIMEOUT_S = 15.0


def _record_path(settings: Settings):
    return settings.state_dir / "consistency-proxy.json"


def _identity(settings: Settings, upstream: str) -> str:
    return f"consistency-proxy window={settings.consistency_window_ms:g}ms upstream={upstream}"


def ensure_proxy(settings: Settings, upstream: str) -> tuple[str, Outcome]:
    """The proxy's URL for the settings' stale-read window (``up`` calls this only when one is set)."""
    if settings.target == AWS:
        raise TargetError("eventual-consistency injection is for local stacks: AWS is eventually consistent already")
    if settings.target == ENDPOINT and settings.endpoint_kind == "localstack":
        raise TargetError(
            "the consistency proxy runs on this machine's loopback, which LocalStack's Lambda containers cannot reach"
        )
    record = EmulatorRecord.load(_record_path(settings))
    if record is not None and record.name == _identity(settings, upstream) and is_alive(record.pid):
        return record.endpoint_url, Outcome.REUSED
    stop_proxy(settings)
    port = pick_port(4600)
    log_path = settings.state_dir / "consistency-proxy.log"
    command = [
        sys.executable,
        "-m",
        "bootstrap.consistency_proxy",
        "--upstream",
        upstream,
        "--port",
        str(port),
        "--window-ms",
        f"{settings.consistency_window_ms:g}",
    ]
    record = start_recorded(
        _identity(settings, upstream),
        command,
        clean_environment({}),
        port,
        _record_path(settings),
        log_path,
        "/_localstack/health",
        START_TIMEOUT_S,
    )
    return record.endpoint_url, Outcome.STARTED


def stop_proxy(settings: Settings) -> bool:
    """Stop the proxy ``up`` started, by PID. Returns whether there was one."""
    return stop_recorded(_record_path(settings)) is not None
