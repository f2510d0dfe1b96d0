"""The fault proxy: between a local stack's function and the emulator's DynamoDB, it makes AWS's bad days.

The function's ``AWS_ENDPOINT_URL`` points here (``up --faults`` or ``--consistency-window-ms``);
everything is forwarded unchanged except:

- **Faults** (``rules.py``), set at run time: per table and operation, one of DynamoDB's errors,
  added latency, or a dropped connection, with a probability and an optional count. An injected error or
  drop is answered here: the call never reaches DynamoDB, so nothing is half-written.
- **Stale reads** (``stale_reads.py``): PutItem / UpdateItem / DeleteItem first read the item as it is (a
  consistent GetItem with the emulator's own root credentials), then go on untouched (their signature
  stays valid); a GetItem without ``ConsistentRead: true`` within the window after a write to that key
  gets the old version (or no item). Query, Scan and batch calls stay consistent.

Two ways to run it:
- one proxy per stack, on this machine (``up`` starts it for the embedded emulator):
  ``python -m local_runtime.faults.proxy_server --upstream http://127.0.0.1:4566 --port 4600 --window-ms 1500``;
- shared, beside an emulator whose functions run elsewhere (inside the project's Docker images, where
  only a proxy in the same container is reachable from the functions): ``--shared --bind 0.0.0.0``.
  No table is stale until ``up`` sets its window.

The control API (JSON): ``GET /_harness/health`` (the URL functions use); ``GET /_harness/faults[?table=T]``,
``PUT /_harness/faults`` with a rule, ``DELETE /_harness/faults[?table=T[&operation=O]]``;
``PUT /_harness/consistency/<table>`` ``{"window_ms": 1500}``, ``DELETE`` it, ``GET /_harness/consistency``.
"""

import argparse
import http.client
import json
import os
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3

from local_runtime.faults.rules import Faults, RuleError, error_answer, parse_rule
from local_runtime.faults.stale_reads import StaleReads

WRITES = ("PutItem", "UpdateItem", "DeleteItem")
# Not forwarded as received. Host is: the caller's signature covers it.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}
CONTROL_PREFIX = "/_harness/"
Answer = tuple[int, list[tuple[str, str]], bytes]


def _json_answer(status: int, document: Any) -> Answer:
    return status, [("Content-Type", "application/json")], json.dumps(document).encode()


def fault_control(faults: Faults, method: str, query: dict[str, str], body: bytes) -> Answer:
    """``/_harness/faults``: list (GET), set one rule (PUT), clear (DELETE); bad input is a 400 saying why."""
    if method == "GET":
        return _json_answer(200, {"faults": [rule.as_dict() for rule in faults.listed(query.get("table"))]})
    if method == "DELETE":
        cleared = faults.clear(query.get("table"), query.get("operation"))
        return _json_answer(200, {"cleared": [rule.as_dict() for rule in cleared]})
    if method != "PUT":
        return _json_answer(405, {"error": "use GET, PUT or DELETE"})
    try:
        rule = parse_rule(json.loads(body or b"null"))
    except (ValueError, RuleError) as error:  # json's own errors are ValueErrors too
        return _json_answer(400, {"error": str(error) if isinstance(error, RuleError) else "the body is not JSON"})
    faults.set(rule)
    return _json_answer(200, {"fault": rule.as_dict()})


def consistency_control(stale: StaleReads, method: str, table: str, body: bytes) -> Answer:
    """``/_harness/consistency[/<table>]``: list the windows (GET), set (PUT) or end (DELETE) one table's."""
    if not table:
        if method != "GET":
            return _json_answer(405, {"error": "use GET here, or PUT/DELETE /_harness/consistency/<table>"})
        windows = {name: seconds * 1000 for name, seconds in stale.windows.items()}
        return _json_answer(200, {"default_window_ms": stale.window_s * 1000, "tables": windows})
    if method == "DELETE":
        stale.set_window(table, None)
        return _json_answer(200, {"table": table, "window_ms": stale.window_s * 1000})
    if method != "PUT":
        return _json_answer(405, {"error": "use GET, PUT or DELETE"})
    try:
        window_ms = float(json.loads(body or b"{}")["window_ms"])
    except (ValueError, KeyError, TypeError):
        return _json_answer(400, {"error": 'send {"window_ms": <number of milliseconds, 0 or more>}'})
    if not 0 <= window_ms <= 3_600_000:
        return _json_answer(400, {"error": "window_ms must be between 0 and 3600000"})
    stale.set_window(table, window_ms / 1000)
    return _json_answer(200, {"table": table, "window_ms": window_ms})


def make_handler(upstream: str, stale: StaleReads, faults: Faults, function_url: str) -> type[BaseHTTPRequestHandler]:
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
        # Headers and body go out in two writes: with Nagle's algorithm the second waits for the client's
        # delayed ACK, about 40 ms a call.
        disable_nagle_algorithm = True

        def log_message(self, *_args: Any) -> None:  # quiet: the emulator logs requests already
            pass

        def _forward(self, body: bytes) -> Answer:
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

        def _control(self, body: bytes) -> Answer:
            """The proxy's own API: health (with the URL functions use), faults, per-table windows."""
            url = urllib.parse.urlsplit(self.path)
            path, query = url.path[len(CONTROL_PREFIX) :], dict(urllib.parse.parse_qsl(url.query))
            if path == "health" and self.command == "GET":
                return _json_answer(200, {"status": "ok", "function_url": function_url})
            if path == "faults":
                return fault_control(faults, self.command, query, body)
            if path == "consistency" or path.startswith("consistency/"):
                table = urllib.parse.unquote(path.removeprefix("consistency").removeprefix("/"))
                return consistency_control(stale, self.command, table, body)
            return _json_answer(404, {"error": f"no such control path: {self.path}"})

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith(CONTROL_PREFIX):
                self._reply(*self._control(body))
            elif self.command == "POST":
                self._dynamodb(body)
            else:
                self._reply(*self._forward(body))

        do_GET = do_PUT = do_DELETE = do_PATCH = do_POST = _any

        def _dynamodb(self, body: bytes) -> None:
            operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
            request = json.loads(body or b"{}") if faults or operation in ("GetItem", *WRITES) else {}
            fault = faults.draw(request.get("TableName", ""), operation) if faults else None
            if fault is not None:
                time.sleep(fault.latency_ms / 1000)
                if fault.drop:  # no answer at all: the connection closes, as a network fault would
                    self.close_connection = True
                    return
                if fault.error:
                    self._reply(*error_answer(fault.error))
                    return
            if operation == "GetItem":
                stale_now, old_item = stale.stale_version(request.get("TableName", ""), request.get("Key", {}))
                if stale_now and not request.get("ConsistentRead"):
                    answer = {"Item": old_item} if old_item else {}
                    self._reply(200, [("Content-Type", "application/x-amz-json-1.0")], json.dumps(answer).encode())
                    return
            if operation in WRITES and stale.window_for(request.get("TableName", "")) > 0:
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
    """The proxy, listening on ``bind:port`` (0: a free port the system picks); functions reach it at
    ``http://127.0.0.1:<port>`` beside it."""
    server = ThreadingHTTPServer((bind, port), BaseHTTPRequestHandler)  # bound first: port 0 is known only then
    stale, faults = StaleReads(window_s, key_attributes), Faults()
    server.RequestHandlerClass = make_handler(upstream, stale, faults, f"http://127.0.0.1:{server.server_address[1]}")
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="the emulator, e.g. http://127.0.0.1:4566")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (0.0.0.0 inside a container)")
    parser.add_argument("--window-ms", type=float, default=0, help="stale-read window of every table (0: none)")
    parser.add_argument("--shared", action="store_true", help="no default window: tables are set through the API")
    parser.add_argument("--key-attributes", default="id")
    args = parser.parse_args()
    window_s = 0.0 if args.shared else args.window_ms / 1000
    server = serve(args.upstream, args.port, window_s, tuple(args.key_attributes.split(",")), args.bind)
    server.serve_forever()


if __name__ == "__main__":
    main()
