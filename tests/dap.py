"""A small Debug Adapter Protocol client, as an editor speaks it to debugpy: Content-Length framed JSON over a socket.

Enough to attach, set breakpoints, see where the program stopped, and let it go on. Messages are read on a
thread of their own into a queue, because debugpy answers ``attach`` only after ``configurationDone``.
"""

import json
import queue
import socket
import threading
import time
from typing import Any


class DapError(RuntimeError):
    """The adapter refused a request, closed the connection, or did not answer in time."""


class DapClient:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(None)
        self.timeout = timeout
        self._seq = 0
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read_forever, daemon=True).start()

    def _read_forever(self) -> None:
        stream = self.sock.makefile("rb")
        try:
            while True:
                headers: dict[str, str] = {}
                while (line := stream.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                if not headers:
                    break
                self._messages.put(json.loads(stream.read(int(headers["content-length"]))))
        except OSError:
            pass
        self._messages.put(None)

    def send(self, command: str, **arguments: Any) -> int:
        """Send a request; returns its sequence number (see ``response``)."""
        self._seq += 1
        body = json.dumps({"seq": self._seq, "type": "request", "command": command, "arguments": arguments}).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self._seq

    def _next_matching(self, accept: Any, what: str, timeout: float | None) -> dict[str, Any]:
        for message in self._seen:
            if accept(message):
                self._seen.remove(message)
                return message
        deadline = time.monotonic() + (timeout or self.timeout)
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self._messages.get(timeout=left)
            except queue.Empty:
                break
            if message is None:
                raise DapError(f"the adapter closed the connection while waiting for {what}")
            if accept(message):
                return message
            self._seen.append(message)
        raise DapError(f"no {what} within {timeout or self.timeout} s")

    def response(self, seq: int, timeout: float | None = None) -> dict[str, Any]:
        """The response to request ``seq``; ``DapError`` if it failed."""
        answer = self._next_matching(
            lambda m: m.get("type") == "response" and m.get("request_seq") == seq, f"response to {seq}", timeout
        )
        if not answer.get("success"):
            raise DapError(f"{answer.get('command')} failed: {answer.get('message')}")
        return answer.get("body") or {}

    def request(self, command: str, timeout: float | None = None, **arguments: Any) -> dict[str, Any]:
        return self.response(self.send(command, **arguments), timeout)

    def event(self, name: str, timeout: float | None = None) -> dict[str, Any]:
        """The next event called ``name`` (events that arrived earlier included)."""
        found = self._next_matching(lambda m: m.get("type") == "event" and m.get("event") == name, name, timeout)
        return found.get("body") or {}

    def close(self) -> None:
        self.sock.close()
