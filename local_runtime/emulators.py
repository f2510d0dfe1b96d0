"""The embedded emulators, started in the background by ``up`` and stopped by PID by ``down``."""

import importlib
from pathlib import Path
from types import ModuleType

from bootstrap.settings import EMULATORS, Settings
from local_runtime.function_runtime import hooks as function_hooks
from local_runtime.processes import (
    EmulatorError,
    EmulatorRecord,
    answers_health,
    clean_environment,
    is_alive,
    poll_until,
    port_is_free,
    start_on_free_port,
    start_recorded,
    stop_recorded,
)

AVAILABLE = EMULATORS  # each has a package local_runtime/<name>/ with a launcher module
START_TIMEOUT_S = 60.0
PORT_RELEASE_TIMEOUT_S = 5.0


def _backend(name: str) -> ModuleType:
    if name not in AVAILABLE:
        raise EmulatorError(f"unknown emulator {name!r}; available: {', '.join(AVAILABLE)}")
    return importlib.import_module(f"local_runtime.{name}.launcher")


def _record_path(settings: Settings) -> Path:
    return settings.state_dir / "emulator.json"


def alive(settings: Settings) -> EmulatorRecord | None:
    """The emulator a previous ``up`` started, if its process is alive (answering or not)."""
    record = EmulatorRecord.load(_record_path(settings))
    return record if record is not None and is_alive(record.pid) else None


def running(settings: Settings, timeout: float = 1.0) -> EmulatorRecord | None:
    """The emulator a previous ``up`` started, if its process is alive and healthy (within ``timeout`` s)."""
    record = alive(settings)
    if record is None:
        return None
    health = record.endpoint_url + _backend(record.name).HEALTH_PATH
    return record if answers_health(health, timeout) else None


def check_reusable(current: EmulatorRecord, settings: Settings) -> None:
    """``EmulatorError`` unless the running emulator is the one these settings ask for (emulator, debugger)."""
    if current.name != settings.emulator:
        raise EmulatorError(f"{current.name} is already running here; run 'down' before switching emulators")
    if current.debug_port != settings.debug_port:
        now = f"with --debug-port {current.debug_port}" if current.debug_port else "without --debug"
        raise EmulatorError(f"{current.name} is already running here {now}; run 'down' first to change that")


def start(settings: Settings) -> tuple[EmulatorRecord, bool]:
    """Reuse the running emulator, or start one. Returns the record and whether it was started now."""
    current = running(settings)
    if current is not None:
        check_reusable(current, settings)
        return current, False
    backend = _backend(settings.emulator)
    stop_recorded(_record_path(settings))  # what a crashed emulator left behind, orphans included
    # A port can stay taken for a moment after a crashed emulator's processes die.
    if settings.port and not poll_until(lambda: port_is_free(settings.port), PORT_RELEASE_TIMEOUT_S):
        raise EmulatorError(f"port {settings.port} is already in use; choose another with --port or HARNESS_PORT")
    backend.prepare(settings.state_dir)

    def start_on(port: int) -> EmulatorRecord:
        env = clean_environment(
            {
                **backend.environment(port, settings.region, settings.state_dir, settings.enforce_iam),
                **function_hooks.environment(settings.state_dir, settings.debug_port),
            }
        )
        return start_recorded(
            settings.emulator,
            backend.command(settings.state_dir),
            env,
            port,
            _record_path(settings),
            settings.state_dir / f"{settings.emulator}.log",
            backend.HEALTH_PATH,
            START_TIMEOUT_S,
            settings.debug_port,
        )

    # Another `up` (another checkout, another state folder) may start on the same free port at the same
    # moment. A chosen port is the user's to change; a picked one is picked again.
    if settings.port:
        return start_on(settings.port), True
    return start_on_free_port(backend.DEFAULT_PORT, start_on), True


def stop(settings: Settings) -> EmulatorRecord | None:
    """Stop the emulator ``up`` started (and every process it spawned); then clear its scratch files. Returns what
    was stopped."""
    stopped = stop_recorded(_record_path(settings))
    if stopped is not None and stopped.name in AVAILABLE:
        _backend(stopped.name).after_stop(settings.state_dir)
    return stopped
