"""A process started by the fork server, seen through what MiniStack and the harness use of a ``Popen``.

MiniStack keeps each execution environment as a ``subprocess.Popen`` (``Worker._proc``) and uses its text
pipes, ``pid``, ``poll()``, ``wait(timeout)``, ``returncode``, ``terminate()``, ``kill()`` and
``send_signal()`` (``_signal``, ``_collect``, ``kill_workers``, ``invoke``). The emulator did not fork this
process, so it cannot wait for it: the fork server reaps it and sends its exit code on the reply socket;
signals go through a pidfd, which cannot hit a recycled pid.
"""

import io
import os
import select
import signal
import socket
import subprocess
import threading
import time

from . import fork_server

# The fork server died before it could report the exit: the process is gone, its exit code with it.
UNKNOWN_RETURNCODE = 255


def text_pipes(stdin_fd: int, stdout_fd: int, stderr_fd: int) -> tuple[io.TextIOWrapper, ...]:
    """The three streams as ``Popen(..., text=True, bufsize=1)`` makes them (CPython's ``subprocess``)."""
    stdin = io.TextIOWrapper(open(stdin_fd, "wb", -1), write_through=True, line_buffering=True)
    return stdin, io.TextIOWrapper(open(stdout_fd, "rb", -1)), io.TextIOWrapper(open(stderr_fd, "rb", -1))


class ForkedProcess:
    def __init__(self, args: list[str], pid: int, pidfd: int, reply: socket.socket, pipes: tuple) -> None:
        self.args, self.pid, self.returncode = args, pid, None
        self.stdin, self.stdout, self.stderr = pipes
        self._pidfd, self._reply = pidfd, reply
        self._waiting = threading.Lock()

    def poll(self) -> int | None:
        if self.returncode is None and self._waiting.acquire(blocking=False):
            try:
                self._wait_for_exit(0)
            finally:
                self._waiting.release()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._waiting.acquire(timeout=-1 if timeout is None else timeout):  # another thread is waiting
            raise subprocess.TimeoutExpired(self.args, timeout)
        try:
            if self.returncode is None and not self._wait_for_exit(deadline):
                raise subprocess.TimeoutExpired(self.args, timeout)
        finally:
            self._waiting.release()
        return self.returncode

    def send_signal(self, number: int) -> None:
        pidfd = self._pidfd  # another thread's wait may close it meanwhile: then the process has exited
        if self.poll() is None and pidfd is not None:
            try:
                signal.pidfd_send_signal(pidfd, number)
            except (ProcessLookupError, OSError):
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _wait_for_exit(self, deadline: float | None) -> bool:
        """Read the exit code the fork server sends; if the server is gone, wait on the pidfd instead."""
        if self.returncode is not None:
            return True
        if not _readable(self._reply, deadline):
            return False
        message, _fds = fork_server.receive(self._reply)
        if message is None and not _readable(self._pidfd, deadline):
            return False
        self.returncode = UNKNOWN_RETURNCODE if message is None else message["returncode"]
        self._close()
        return True

    def _close(self) -> None:
        if self._pidfd is not None:
            self._reply.close()
            os.close(self._pidfd)
            self._pidfd = None

    def __del__(self) -> None:
        self._close()


def _readable(source, deadline: float | None) -> bool:
    """Whether ``source`` (a socket or an fd) is readable before ``deadline`` (None: wait). ``poll``, not
    ``select``: an emulator with a few hundred environments holds fd numbers above select's limit of 1024."""
    timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
    poller = select.poll()
    poller.register(source, select.POLLIN)
    return bool(poller.poll(None if timeout is None else timeout * 1000))


def readable_within(source, timeout: float) -> bool:
    return _readable(source, time.monotonic() + timeout)
