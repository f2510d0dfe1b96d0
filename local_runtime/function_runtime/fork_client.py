"""The emulator's end of the fork server (``fork_server.py``): start it, ask it for execution environments.

Shared by MiniStack (``local_runtime/ministack/fork_server.py`` puts it behind MiniStack's ``subprocess.Popen``)
and by our LocalStack executor (``local_runtime/localstack/executor``, where a copy of this package is installed
with the plugin: hence the relative imports, and the standard library only).

A function still gets a plain subprocess when a fork could differ from it (``reason_to_start_normally``):
- its code folder or a layer bundles a module the fork server has loaded, with other files (its own boto3 or
  botocore: AWS would use those); an identical copy is fine;
- its environment changes how the interpreter or botocore starts (``PYTHON*``, locale, ``TZ``, ``HOME``,
  ``AWS_DATA_PATH``), or it runs another interpreter;
- the fork server failed (logged once; it is not asked again).
"""

import hashlib
import logging
import os
import socket
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path

from . import fork_server
from .forked_process import ForkedProcess, readable_within, text_pipes

READY_TIMEOUT_S = 60.0  # importing boto3 on a loaded 2-core machine
FORK_TIMEOUT_S = 10.0
START_VARIABLES = ("HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "AWS_DATA_PATH")  # read at start or import
logger = logging.getLogger("lambda_runtime.fork_server")


def read_at_start(name: str) -> bool:
    """Whether the interpreter or botocore reads this variable as it starts: a fork must inherit the same value."""
    return name.startswith("PYTHON") or name in START_VARIABLES


class ForkServerError(RuntimeError):
    pass


class ForkServer:
    """The emulator's end: starts the server, asks it for processes, remembers a failure."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._server: subprocess.Popen | None = None
        self._environment: dict[str, str] = {}
        self.modules: dict[str, str] | None = None
        self.failure: str | None = None

    def start(self, environment: dict[str, str] | None = None) -> None:
        """``environment``: the server's (default: this process's); a child whose own differs in what the
        interpreter reads at start (``PYTHON*``, ...) is not forked."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self._environment = dict(os.environ if environment is None else environment)
            self._server = subprocess.Popen(  # noqa: S603 - our script, this interpreter
                [sys.executable, fork_server.__file__, str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                env=self._environment,
            )
        self._control = ours

    def spawn(
        self, argv: list[str], cwd: str, env: dict[str, str], std_fds: tuple[int, int, int] | None = None
    ) -> ForkedProcess | None:
        """A forked worker; None when this one must start as a plain subprocess. Its standard streams: ``std_fds``
        (stdin, stdout, stderr: the caller's, left open), or else three new pipes (``ForkedProcess``'s text pipes)."""
        if self.failure is not None or self._control is None:
            return None
        try:
            reason = self._reason_to_start_normally(argv, cwd, env)
        except OSError as error:  # this function's folder (a dangling link, no permission): this one only
            reason = f"its code could not be compared with the server's modules: {error}"
        except Exception as error:  # noqa: BLE001 - the server itself: the invocation goes on without it
            self._give_up(error)
            return None
        if reason is not None:
            logger.info("fork server: %s starts as a subprocess: %s", cwd, reason)
            return None
        try:
            return self._fork(argv, cwd, env, std_fds)
        except Exception as error:  # noqa: BLE001 - whatever it is, the invocation goes on without the server
            self._give_up(error)
        return None

    def _give_up(self, error: Exception) -> None:
        self.failure = f"{type(error).__name__}: {error}"
        logger.warning("fork server failed, execution environments start as subprocesses: %s", self.failure)

    def _reason_to_start_normally(self, argv: list[str], cwd: str, env: dict[str, str]) -> str | None:
        with self._lock:
            if self.modules is None:
                if not readable_within(self._control, READY_TIMEOUT_S):
                    raise ForkServerError(f"not ready after {READY_TIMEOUT_S:.0f} s")
                hello, _fds = fork_server.receive(self._control)
                if hello is None:
                    raise ForkServerError(f"exited at start ({self._server.wait()})")
                self.modules = hello["modules"]
        return reason_to_start_normally(argv, cwd, env, self._environment, self.modules)

    def _fork(
        self, argv: list[str], cwd: str, env: dict[str, str], std_fds: tuple[int, int, int] | None
    ) -> ForkedProcess:
        reply, server_reply = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        if std_fds is None:
            (child_stdin, stdin), (stdout, child_stdout), (stderr, child_stderr) = os.pipe(), os.pipe(), os.pipe()
            ours, theirs = [stdin, stdout, stderr], [child_stdin, child_stdout, child_stderr]
        else:
            ours, theirs = [], []
        try:
            try:
                with self._lock:
                    fork_server.send(
                        self._control,
                        {"argv": argv, "cwd": cwd, "env": env},
                        [server_reply.fileno(), *(theirs or std_fds)],
                    )
            finally:
                server_reply.close()
                for fd in theirs:
                    os.close(fd)
            if not readable_within(reply, FORK_TIMEOUT_S):
                raise ForkServerError(f"no fork after {FORK_TIMEOUT_S:.0f} s")
            answer, fds = fork_server.receive(reply, max_fds=1)
            if answer is None or "pid" not in answer:
                raise ForkServerError(f"fork refused: {answer}")
            pipes = text_pipes(*ours) if ours else (None, None, None)
            return ForkedProcess(argv, answer["pid"], fds[0], reply, pipes)
        except BaseException:
            reply.close()
            for fd in ours:
                os.close(fd)
            raise


def reason_to_start_normally(
    argv: list[str], cwd: str, env: dict[str, str], server_env: dict[str, str], modules: dict[str, str]
) -> str | None:
    """Why a fork would not be the process ``subprocess.Popen(argv, cwd=cwd, env=env)`` starts; None if it would."""
    if len(argv) != 2 or argv[0] != sys.executable or not argv[1].endswith(".py"):
        return f"not a Python worker of this interpreter: {argv}"
    for name in sorted(set(env) | set(server_env)):
        if read_at_start(name) and env.get(name) != server_env.get(name):
            return f"its environment sets {name} otherwise"
    for folder in _search_folders(cwd, env):
        for entry in sorted(folder.iterdir()):
            name = entry.name.split(".")[0]
            if name not in modules or entry.suffix not in ("", ".py", ".so"):
                continue
            if _digest(entry) != _installed_digest(modules[name]):
                return f"it bundles its own {name} ({entry})"
    return None


def _search_folders(code_dir: str, env: dict[str, str]) -> list[Path]:
    """Where the worker script looks for the function's modules: its code, each layer's folders."""
    folders = [Path(code_dir)]
    for layer in filter(None, env.get("_LAMBDA_LAYERS_DIRS", "").split(os.pathsep)):
        folders += [Path(layer), Path(layer, "python"), *Path(layer, "python", "lib").glob("*/site-packages")]
    return [folder for folder in folders if folder.is_dir()]


@cache
def _installed_digest(path: str) -> str:
    return _digest(path)


def _digest(path: str | Path) -> str:
    """The module's source files and their contents (bytecode caches aside)."""
    path = Path(path)
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    summary = hashlib.sha256()
    for file in files:
        summary.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        summary.update(hashlib.sha256(file.read_bytes()).digest())
    return summary.hexdigest()
