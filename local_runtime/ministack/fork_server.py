"""MiniStack's Python execution environments, forked from a process that has already imported boto3.

A cold start was a fresh ``python _worker.py`` importing boto3 and parsing the DynamoDB model: ~0.6 s of
CPU, paid ~60 times by the test suite and 16 times by ``up``'s prewarm. ``fork_server.py`` pays it once;
``Worker._spawn``'s ``subprocess.Popen`` of a Python worker asks it for a fork instead and gets back a
``ForkedProcess`` (``forked_process.py``), which MiniStack uses as the ``Popen`` it was.

A function still gets a plain subprocess, as before, when a fork could differ from it:
- its code folder or a layer bundles a module the fork server has loaded, with other files (its own
  boto3 or botocore: AWS would use those); the identical ``jmespath`` the project's zip bundles is fine;
- its environment changes how the interpreter or botocore starts (``PYTHON*``, locale, ``TZ``,
  ``HOME``, ``AWS_DATA_PATH``), or it runs another interpreter;
- the fork server failed (logged once; it is not asked again).

``HARNESS_FORK_SERVER=0`` turns it off. The children stay in the emulator's process group, and their
``/proc/<pid>/cmdline`` and ``environ`` are the worker's (``fork_server.describe_process``): ``ps`` shows
``_worker.py``, and ``down`` finds the harness's owner mark in them.

What a fork cannot give a function, where a fresh process differed: every environment of one emulator has
the same string-hash seed (``PYTHONHASHSEED`` unset: a fresh process drew its own, so the iteration order of
a set of strings varied between environments); boto3, botocore and their dependencies are already in
``sys.modules`` (a bundled identical copy is not the one imported, its ``__file__`` says site-packages); and
every botocore session of the environment reads the service models through one loader.
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

from local_runtime.function_runtime import fork_server
from local_runtime.function_runtime.forked_process import ForkedProcess, readable_within, text_pipes

SWITCH = "HARNESS_FORK_SERVER"
READY_TIMEOUT_S = 60.0  # importing boto3 on a loaded 2-core machine
FORK_TIMEOUT_S = 10.0
_START_VARIABLES = ("HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "AWS_DATA_PATH")  # read at start or import
_WORKER_OPTIONS = {"cwd", "env", "stdin", "stdout", "stderr", "text", "bufsize"}
logger = logging.getLogger("lambda_runtime.fork_server")


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

    def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self._environment = dict(os.environ)
            self._server = subprocess.Popen(  # noqa: S603 - our script, this interpreter
                [sys.executable, fork_server.__file__, str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                env=self._environment,
            )
        self._control = ours

    def spawn(self, argv: list[str], cwd: str, env: dict[str, str]) -> ForkedProcess | None:
        """A forked worker; None when this one must start as a plain subprocess."""
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
            return self._fork(argv, cwd, env)
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

    def _fork(self, argv: list[str], cwd: str, env: dict[str, str]) -> ForkedProcess:
        reply, server_reply = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        (child_stdin, stdin), (stdout, child_stdout), (stderr, child_stderr) = os.pipe(), os.pipe(), os.pipe()
        ours = [reply, stdin, stdout, stderr]
        try:
            try:
                with self._lock:
                    fork_server.send(
                        self._control,
                        {"argv": argv, "cwd": cwd, "env": env},
                        [server_reply.fileno(), child_stdin, child_stdout, child_stderr],
                    )
            finally:
                server_reply.close()
                for fd in (child_stdin, child_stdout, child_stderr):
                    os.close(fd)
            if not readable_within(reply, FORK_TIMEOUT_S):
                raise ForkServerError(f"no fork after {FORK_TIMEOUT_S:.0f} s")
            answer, fds = fork_server.receive(reply, max_fds=1)
            if answer is None or "pid" not in answer:
                raise ForkServerError(f"fork refused: {answer}")
            return ForkedProcess(argv, answer["pid"], fds[0], reply, text_pipes(stdin, stdout, stderr))
        except BaseException:
            reply.close()
            for fd in ours[1:]:
                os.close(fd)
            raise


def reason_to_start_normally(
    argv: list[str], cwd: str, env: dict[str, str], server_env: dict[str, str], modules: dict[str, str]
) -> str | None:
    """Why a fork would not be the process ``subprocess.Popen(argv, cwd=cwd, env=env)`` starts; None if it would."""
    if len(argv) != 2 or argv[0] != sys.executable or not argv[1].endswith(".py"):
        return f"not a Python worker of this interpreter: {argv}"
    for name in sorted(set(env) | set(server_env)):
        if (name.startswith("PYTHON") or name in _START_VARIABLES) and env.get(name) != server_env.get(name):
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


class _SubprocessThroughForkServer:
    """``lambda_runtime``'s ``subprocess`` module, except that a Python worker's ``Popen`` is a fork."""

    def __init__(self, server: ForkServer) -> None:
        self.server = server

    def __getattr__(self, name: str) -> object:
        return getattr(subprocess, name)

    def Popen(self, args: list[str], **options: object) -> object:  # noqa: N802 - subprocess's name
        if is_python_worker(args, options):
            process = self.server.spawn(list(args), str(options["cwd"]), dict(options["env"]))
            if process is not None:
                return process
        return subprocess.Popen(args, **options)  # noqa: S603 - MiniStack's own call, unchanged


def is_python_worker(args: object, options: dict) -> bool:
    """``Worker._spawn``'s call: ``Popen([binary, worker_path], cwd=, env=, 3 × PIPE, text=True, bufsize=1)``."""
    return (
        isinstance(args, list)
        and len(args) == 2
        and args[0] == sys.executable  # a Node.js worker has the same call: it must not wait for the server
        and str(args[1]).endswith(".py")
        and set(options) == _WORKER_OPTIONS
        and all(options[stream] == subprocess.PIPE for stream in ("stdin", "stdout", "stderr"))
        and options["text"] is True
        and options["bufsize"] == 1
    )


def subprocess_through_fork_server() -> _SubprocessThroughForkServer | None:
    """``lambda_runtime``'s ``subprocess`` with a started fork server behind it; None when ``HARNESS_FORK_SERVER=0``
    or the server could not start (MiniStack's own subprocesses then)."""
    if os.environ.get(SWITCH, "1") == "0":
        return None
    server = ForkServer()
    try:
        server.start()
    except OSError as error:
        logger.warning("fork server not started, execution environments start as subprocesses: %s", error)
        return None
    return _SubprocessThroughForkServer(server)
