"""Eventually consistent reads for a local stack: a small proxy in front of the emulator's DynamoDB.

DynamoDB's GetItem is eventually consistent unless ``ConsistentRead`` is true: right after a write, a
read may return the item as it was before (or nothing, for a new item). Emulators are always
consistent, so code that reads its own writes naively passes locally and fails on AWS. The function's
``AWS_ENDPOINT_URL`` points here; everything is forwarded unchanged except:

- PutItem / UpdateItem / DeleteItem: the proxy first reads the item as it is (a consistent GetItem with
  the emulator's own root credentials), then forwards the write untouched (its signature stays valid).
- GetItem without ``ConsistentRead: true`` within ``window`` seconds of a write to that key: answered
  with the old version (or no item).

Query, Scan and batch calls pass through (reads stay consistent there).

Two ways to run it:
- one proxy per stack, on this machine (``up`` starts it for the embedded emulator):
  ``python -m local_runtime.consistency_proxy --upstream http://127.0.0.1:4566 --port 4600 --window-ms 1500``;
- shared, beside an emulator whose functions run elsewhere (inside the project's Docker images, where
  only a proxy in the same container is reachable from the functions): ``--shared --bind 0.0.0.0``.
  No table is stale until ``up`` sets its window through the control API:
  ``PUT /_harness/consistency/<table>`` ``{"window_ms": 1500}``, ``DELETE`` the same path to end it,
  ``GET /_harness/consistency`` to list, ``GET /_harness/health`` for the URL the functions use.
"""

import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3

WRITES = ("PutItem", "UpdateItem", "DeleteItem")
# Not forwarded as received. Host is: the caller's signature covers it.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


CONTROL_PREFIX = "/_harness/"


class StaleReads:
    """Remembers, per (table, key), the version a stale read returns and until when.

    ``window_s`` applies to every table; ``windows`` (set at run time) to one table each, overriding it.
    """

    def __init__(self, window_s: float, key_attributes: tuple[str, ...]) -> None:
        self.window_s, self.key_attributes = window_s, key_attributes
        self.windows: dict[str, float] = {}
        self._versions: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def window_for(self, table: str) -> float:
        return self.windows.get(table, self.window_s)

    def set_window(self, table: str, window_s: float | None) -> None:
        """Give ``table`` its own window (``None``: back to the default, and forget its versions)."""
        with self._lock:
            if window_s is None:
                self.windows.pop(table, None)
                prefix = json.dumps([table])[:-1]
                self._versions = {slot: v for slot, v in self._versions.items() if not slot.startswith(prefix)}
            else:
                self.windows[table] = window_s

    def _slot(self, table: str, key: dict[str, Any]) -> str:
        return json.dumps([table, {name: key.get(name) for name in self.key_attributes}], sort_keys=True)

    def key_of(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """The key attributes of a write, in DynamoDB's wire format."""
        source = body.get("Item", {}) if operation == "PutItem" else body.get("Key", {})
        return {name: source[name] for name in self.key_attributes if name in source}

    def record_write(self, table: str, key: dict[str, Any], old_item: dict[str, Any] | None) -> None:
        with self._lock:
            slot = self._slot(table, key)
            # Within an open window the version readers may still see is the one from before the first write.
            if slot in self._versions and self._versions[slot][0] > time.monotonic():
                old_item = self._versions[slot][1]
            self._versions[slot] = (time.monotonic() + self.window_for(table), old_item)

    def stale_version(self, table: str, key: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
        """(True, old item or None) while the key's window is open; (False, None) after."""
        with self._lock:
            until, old_item = self._versions.get(self._slot(table, key), (0.0, None))
        return (True, old_item) if until > time.monotonic() else (False, None)


def make_handler(upstream: str, stale: StaleReads, function_url: str) -> type[BaseHTTPRequestHandler]:
    target = urllib.parse.urlsplit(upstream)
    # Emulators treat these as the account's root, allowed everything: the proxy only reads old versions.
    reader = boto3.client(
        "dynamodb",
        endpoint_url=upstream,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - emulator's fixed root
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:  # quiet: the emulator logs requests already
            pass

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                headers["Content-Length"] = str(len(body))
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.getheaders(), response.read()
            finally:
                connection.close()

        def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, document: Any) -> None:
            self._reply(status, [("Content-Type", "application/json")], json.dumps(document).encode())

        def _control(self, body: bytes) -> None:
            """The proxy's own API: health (with the URL functions use) and per-table windows."""
            path = urllib.parse.urlsplit(self.path).path[len(CONTROL_PREFIX) :]
            table = urllib.parse.unquote(path.removeprefix("consistency/")) if "/" in path else ""
            if path == "health" and self.command == "GET":
                return self._json(200, {"status": "ok", "function_url": function_url})
            if path == "consistency" and self.command == "GET":
                windows = {name: seconds * 1000 for name, seconds in stale.windows.items()}
                return self._json(200, {"default_window_ms": stale.window_s * 1000, "tables": windows})
            if not table or not path.startswith("consistency/"):
                return self._json(404, {"error": f"no such control path: {self.path}"})
            if self.command == "DELETE":
                stale.set_window(table, None)
                return self._json(200, {"table": table, "window_ms": stale.window_s * 1000})
            if self.command != "PUT":
                return self._json(405, {"error": "use GET, PUT or DELETE"})
            try:
                window_ms = float(json.loads(body or b"{}")["window_ms"])
            except (ValueError, KeyError, TypeError):
                return self._json(400, {"error": 'send {"window_ms": <number of milliseconds, 0 or more>}'})
            if not 0 <= window_ms <= 3_600_000:
                return self._json(400, {"error": "window_ms must be between 0 and 3600000"})
            stale.set_window(table, window_ms / 1000)
            return self._json(200, {"table": table, "window_ms": window_ms})

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith(CONTROL_PREFIX):
                self._control(body)
            elif self.command == "POST":
                self._dynamodb(body)
            else:
                self._reply(*self._forward(body))

        do_GET = do_PUT = do_DELETE = do_PATCH = do_POST = _any

        def _dynamodb(self, body: bytes) -> None:
            operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
            if operation == "GetItem":
                request = json.loads(body or b"{}")
                stale_now, old_item = stale.stale_version(request.get("TableName", ""), request.get("Key", {}))
                if stale_now and not request.get("ConsistentRead"):
                    answer = {"Item": old_item} if old_item else {}
                    self._reply(200, [("Content-Type", "application/x-amz-json-1.0")], json.dumps(answer).encode())
                    return
            if operation in WRITES:
                request = json.loads(body or b"{}")
                if stale.window_for(request.get("TableName", "")) > 0:
                    self._write(operation, request, body)
                    return
            self._reply(*self._forward(body))

        def _write(self, operation: str, request: dict[str, Any], body: bytes) -> None:
            table, key = request.get("TableName", ""), stale.key_of(operation, request)
            old_item = reader.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            status, headers, answer = self._forward(body)
            if status == 200:
                stale.record_write(table, key, old_item)
            self._reply(status, headers, answer)

    return Handler


def serve(
    upstream: str, port: int, window_s: float, key_attributes: tuple[str, ...], bind: str = "127.0.0.1"
) -> ThreadingHTTPServer:
    """The proxy, listening on ``bind:port``; functions reach it at ``http://127.0.0.1:port`` beside it."""
    handler = make_handler(upstream, StaleReads(window_s, key_attributes), f"http://127.0.0.1:{port}")
    server = ThreadingHTTPServer((bind, port), handler)
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="the emulator, e.g. http://127.0.0.1:4566")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (0.0.0.0 inside a container)")
    parser.add_argument("--window-ms", type=float, default=1000, help="stale-read window of every table")
    parser.add_argument("--shared", action="store_true", help="no default window: tables are set through the API")
    parser.add_argument("--key-attributes", default="id")
    args = parser.parse_args()
    window_s = 0.0 if args.shared else args.window_ms / 1000
    server = serve(args.upstream, args.port, window_s, tuple(args.key_attributes.split(",")), args.bind)
    server.serve_forever()


if __name__ == "__main__":
    main()
