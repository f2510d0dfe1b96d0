"""Background emulator processes: start detached, wait for health, remember by PID, stop by PID."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

# Variables that could hand a user's real AWS identity to an emulator (and to the functions it runs).
_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
_AWS_SELECTORS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT", "AWS_CONFIG_FILE")
# coverage.py's start-up variables: the emulator is not measured (its function processes are: function_runtime/).
_COVERAGE_STARTERS = ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")


class EmulatorError(RuntimeError):
    """The emulator could not be started, reached or stopped."""


class PortTakenError(EmulatorError):
    """What answers on the port is not the process just started (another one took the port first)."""


@dataclass(frozen=True)
class EmulatorRecord:
    """What ``.stack/emulator.json`` remembers about a running emulator."""

    name: str
    pid: int
    port: int
    endpoint_url: str
    log_path: str
    debug_port: int | None = None  # up --debug: where the function's execution environment waits for a debugger

    @classmethod
    def load(cls, path: Path) -> "EmulatorRecord | None":
        try:
            return cls(**json.loads(path.read_text()))
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")


def clean_environment(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without AWS identity, plus the emulator's own settings."""
    dropped = set(_CREDENTIAL_VARIABLES) | set(_AWS_SELECTORS) | set(_COVERAGE_STARTERS)
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}, **extra)
    return env


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((host, port)) != 0


def pick_port(preferred: int, tries: int = 200) -> int:
    """``preferred`` or the next free port above it.

    Deliberately not a kernel-assigned port: those come from the ephemeral range, where polling a port
    nothing listens on yet can connect a socket to itself (and then hold the port the emulator needs).
    """
    for port in range(preferred, preferred + tries):
        if port_is_free(port):
            return port
    raise EmulatorError(f"no free port in {preferred}-{preferred + tries - 1}; choose one with --port")


def _stat_fields(stat_path: Path) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, pgrp, ...), or None."""
    try:
        return stat_path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def is_alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own exited child
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) counts as gone.
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    return fields is None or fields[0] != "Z"


def answers_health(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URL we built
            return response.status == 200
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False


def poll_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """True as soon as ``condition()`` holds; False once ``timeout`` seconds have passed without it."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def spawn(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start ``command`` detached (own session, so it outlives us and its children die with it)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - fixed command built by the harness
            command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def start_recorded(
    name: str,
    command: list[str],
    env: dict[str, str],
    port: int,
    record_path: Path,
    log_path: Path,
    health_path: str,
    timeout: float,
    debug_port: int | None = None,
) -> EmulatorRecord:
    """Start a background process marked as the record's, save the record, and wait until it answers
    ``health_path``. On failure, stop whatever it started and say where its log is."""
    process = spawn(command, {**env, **owner_environment(record_path)}, log_path)
    record = EmulatorRecord(name, process.pid, port, f"http://127.0.0.1:{port}", str(log_path), debug_port)
    record.save(record_path)
    health = record.endpoint_url + health_path
    if not poll_until(lambda: answers_health(health) or process.poll() is not None, timeout):
        stop_recorded(record_path)
        raise EmulatorError(f"{name} did not answer {health} within {timeout:.0f} s; see {log_path}")
    exited = process.poll() is not None
    # Another process took the port between our pick and our bind: what answers is not ours (and ours
    # either waits to bind or has already given up).
    if (exited and not port_is_free(port)) or (
        not exited and not listens_on(port, [process.pid, *owned_processes(record_path)])
    ):
        stop_recorded(record_path)
        raise PortTakenError(f"port {port} answers, but not {name} just started: another process took it first")
    if exited:
        stop_recorded(record_path)
        raise EmulatorError(f"{name} exited with code {process.returncode} at start; see {log_path}")
    return record


# N processes starting at once from the same preferred port: the last may lose N-1 times (4 test workers did).
PORT_ATTEMPTS = 10


def start_on_free_port(
    preferred: int, start: Callable[[int], EmulatorRecord], attempts: int = PORT_ATTEMPTS
) -> EmulatorRecord:
    """``start(port)`` on the first free port from ``preferred``; when another process (another ``up``, another
    test worker) takes that port between the pick and the bind, pick again above it."""
    port = pick_port(preferred)
    for attempt in range(attempts):
        try:
            return start(port)
        except PortTakenError:
            if attempt == attempts - 1:
                raise
            port = pick_port(port + 1)
    raise AssertionError("unreachable")


def _listening_inodes(port: int) -> set[str]:
    """Inodes of the sockets listening on ``port`` (IPv4 and IPv6), from /proc/net."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(fields[9])
    return inodes


def listens_on(port: int, pids: list[int]) -> bool:
    """Whether one of ``pids`` holds the socket listening on ``port`` (so a health answer is really theirs)."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                if os.readlink(fd) in wanted:
                    return True
            except OSError:
                continue
    return False


def stop_process_group(pid: int, grace: float = 5.0) -> None:
    """SIGTERM the process group led by ``pid``; SIGKILL whatever is left after ``grace`` seconds.

    The whole group gets the grace period, not only its leader: a function process saves its coverage data
    on SIGTERM."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        if poll_until(lambda: not is_alive(pid) and not group_members(pid), wait):
            break
    else:
        raise EmulatorError(f"process {pid} did not stop after SIGKILL")
    # Children (function workers) that outlived the leader still carry its process group id.
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if not poll_until(lambda: not group_members(pid), 5.0):
        raise EmulatorError(f"processes of group {pid} did not stop after SIGKILL: {group_members(pid)}")


OWNER_VARIABLE = "HARNESS_PROCESS_OWNER"


def owner_environment(record_path: Path) -> dict[str, str]:
    """Marks a process and everything it starts (environments are inherited) as belonging to a record."""
    return {OWNER_VARIABLE: str(record_path.resolve())}


def owned_processes(record_path: Path) -> list[int]:
    """Live processes carrying the record's mark, wherever they are now (orphans included)."""
    marker = f"{OWNER_VARIABLE}={record_path.resolve()}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0") and int(environ.parent.name) != os.getpid():
                found.append(int(environ.parent.name))
        except (OSError, ValueError):
            continue
    return [pid for pid in found if is_alive(pid)]


def stop_recorded(record_path: Path) -> EmulatorRecord | None:
    """Stop the process group a record names, then anything else carrying its mark (a JVM that started
    its own session, children orphaned by a crash), and forget the record. Returns the record."""
    record = EmulatorRecord.load(record_path)
    if record is not None and is_alive(record.pid):
        stop_process_group(record.pid)
    for pid in owned_processes(record_path):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    if not poll_until(lambda: not owned_processes(record_path), 5.0):
        raise EmulatorError(f"processes {owned_processes(record_path)} did not stop after SIGKILL")
    record_path.unlink(missing_ok=True)
    return record


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in a process group, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(stat)
        if fields is not None and int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members
