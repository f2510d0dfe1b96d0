"""MiniStack's Python execution environments, forked from a process that has already imported boto3.

A cold start was a fresh ``python _worker.py`` importing boto3 and parsing the DynamoDB model: ~0.6 s of
CPU, paid ~60 times by the test suite and 16 times by ``up``'s prewarm. ``fork_server.py`` pays it once;
``Worker._spawn``'s ``subprocess.Popen`` of a Python worker asks it for a fork instead and gets back a
``ForkedProcess`` (``forked_process.py``), which MiniStack uses as the ``Popen`` it was.

When a function still gets a plain subprocess instead: ``function_runtime/fork_client.py``, which starts the
server and asks it for processes (our LocalStack executor uses it too).

``HARNESS_FORK_SERVER=0`` turns it off. The children stay in the emulator's process group, and their
``/proc/<pid>/cmdline`` and ``environ`` are the worker's (``fork_server.describe_process``): ``ps`` shows
``_worker.py``, and ``down`` finds the harness's owner mark in them.

What a fork cannot give a function, where a fresh process differed: every environment of one emulator has
the same string-hash seed (``PYTHONHASHSEED`` unset: a fresh process drew its own, so the iteration order of
a set of strings varied between environments); boto3, botocore and their dependencies are already in
``sys.modules`` (a bundled identical copy is not the one imported, its ``__file__`` says site-packages); and
every botocore session of the environment reads the service models through one loader.
"""

import logging
import os
import subprocess
import sys

from local_runtime.function_runtime.fork_client import ForkServer

SWITCH = "HARNESS_FORK_SERVER"
_WORKER_OPTIONS = {"cwd", "env", "stdin", "stdout", "stderr", "text", "bufsize"}
logger = logging.getLogger("lambda_runtime.fork_server")


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
