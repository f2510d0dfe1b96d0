"""The executor's line to one execution environment: a Unix socket pair, one JSON object per line.

LocalStack's own runtime answers each invocation with HTTP calls back into LocalStack's gateway (``/logs``, then
``/response`` or ``/error``), each one a request through the gateway's server and handler chain: ~2 ms of
LocalStack's CPU apiece, under the one GIL every request shares. The worker holds the other end of this pair
as its standard input instead and answers on it: no server, no chain, no connection per call.

Messages, worker to executor: ``{"ready": true}`` once the handler is loaded, or ``{"init_error": body}``;
then per invocation ``{"result": body, "is_error": bool, "logs": text}``, with ``"restarting": true`` when
the worker starts afresh (after a timeout), in which case a new ``{"ready": true}`` follows. Executor to
worker: the invocation LocalStack hands the executor (``invoke-id``, ``payload``, ``trace-id``,
``invoked-function-arn``). The worker (``worker.py``) speaks the same with the standard library only.
"""

import json
import socket
import time


class ChannelClosed(Exception):
    """The worker's end is gone: its process exited."""


class ChannelTimeout(Exception):
    """No whole message before the deadline."""


class Channel:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._pending = b""

    def send(self, message: dict) -> None:
        try:
            self._sock.sendall(json.dumps(message).encode() + b"\n")
        except OSError as error:  # EPIPE, ECONNRESET: the worker has exited
            raise ChannelClosed(str(error)) from error

    def receive(self, timeout_s: float | None) -> dict:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while b"\n" not in self._pending:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise ChannelTimeout(f"no message within {timeout_s} s")
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(1 << 16)
            except TimeoutError:
                continue
            except OSError as error:
                raise ChannelClosed(str(error)) from error
            if not chunk:
                raise ChannelClosed("the worker closed its end")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return json.loads(line)

    def close(self) -> None:
        self._sock.close()


def pair() -> tuple[Channel, socket.socket]:
    """The executor's channel, and the socket to hand the worker as its standard input (close it once started)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    return Channel(ours), theirs
