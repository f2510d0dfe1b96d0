"""One Lambda execution environment: load the handler once, then run invocations that LocalStack sends.

A direct runner rather than AWS's runtime interface client behind an emulated Runtime API: it needs no
compiled extension and no second protocol, and it still gives the handler what Lambda gives it (the
environment, a context object, AWS's error shape, warm reuse, the function timeout). Protocol, as
LocalStack's own runtime speaks it: POST /invoke (202, then the result is POSTed back to
``$LOCALSTACK_RUNTIME_ENDPOINT/invocations/<id>/response`` or ``/error``, logs to ``/logs``), and
``/status/<runtime id>/ready`` (or ``/error``) once at start.
"""

import importlib
import io
import json
import os
import runpy
import sys
import threading
import time
import traceback
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENDPOINT = os.environ["LOCALSTACK_RUNTIME_ENDPOINT"]
RUNTIME_ID = os.environ["LOCALSTACK_RUNTIME_ID"]
# While a debugger holds an invocation (up --debug), the function's timeout is lifted, as SAM does.
DEBUG_TIMEOUT_S = 24 * 3600
TIMEOUT_S = (
    DEBUG_TIMEOUT_S
    if os.environ.get("HARNESS_DEBUG_PORT")
    else float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
)
if os.environ.get("HARNESS_FUNCTION_STARTUP"):  # coverage, a debugger: local_runtime/function_runtime/startup.py
    runpy.run_path(os.environ["HARNESS_FUNCTION_STARTUP"])


class _Tee(io.TextIOBase):
    """Writes to the real stream and to the current invocation's log buffer."""

    def __init__(self, stream) -> None:
        self.stream, self.buffer_for_invocation = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.stream.write(text)
        self.buffer_for_invocation.write(text)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def take(self) -> str:
        text, self.buffer_for_invocation = self.buffer_for_invocation.getvalue(), io.StringIO()
        return text


# Before the handler is imported, so loggers created at import time write through the tee.
sys.stdout, sys.stderr = _Tee(sys.stdout), _Tee(sys.stderr)


def _post(path: str, body: bytes) -> None:
    request = urllib.request.Request(
        f"{ENDPOINT}{path}", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - LocalStack's loopback endpoint
            pass
    except OSError as error:
        print(f"worker: could not reach LocalStack at {path}: {error}", file=sys.__stderr__)


def _error_body(error: BaseException, request_id: str | None = None) -> bytes:
    """AWS's shape for a function error."""
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": request_id or "",
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
    ).encode()


def _load_handler():
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


class Context:
    """What Lambda passes as the handler's second argument."""

    def __init__(self, request_id: str, function_arn: str) -> None:
        self.aws_request_id, self.invoked_function_arn = request_id, function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = self.client_context = None
        self._deadline = time.monotonic() + TIMEOUT_S

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _run(handler, invocation: dict) -> None:
    request_id = invocation["invoke-id"]
    os.environ["_X_AMZN_TRACE_ID"] = invocation.get("trace-id") or ""
    outcome: dict = {}

    def call() -> None:
        try:
            outcome["result"] = handler(
                json.loads(invocation["payload"] or "null"), Context(request_id, invocation["invoked-function-arn"])
            )
        except Exception as error:  # noqa: BLE001 - every handler error goes back to LocalStack
            outcome["error"] = error

    started = time.monotonic()
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(TIMEOUT_S)
    logs = sys.stdout.take() + sys.stderr.take()
    _post(f"/invocations/{request_id}/logs", json.dumps({"logs": logs}).encode())
    if thread.is_alive():
        message = f"Task timed out after {time.monotonic() - started:.2f} seconds"
        _post(
            f"/invocations/{request_id}/error",
            json.dumps({"errorMessage": message, "errorType": "Sandbox.Timedout", "requestId": request_id}).encode(),
        )
        # As on AWS, a timed-out environment is not reused: start afresh in this same process slot.
        os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606 - re-run this same worker
    if "error" in outcome:
        _post(f"/invocations/{request_id}/error", _error_body(outcome["error"], request_id))
    else:
        try:
            body = json.dumps(outcome["result"]).encode()
        except (TypeError, ValueError) as error:
            _post(f"/invocations/{request_id}/error", _error_body(error, request_id))
            return
        _post(f"/invocations/{request_id}/response", body)


def main() -> None:
    try:
        handler = _load_handler()
    except Exception as error:  # noqa: BLE001 - an init error is reported, as Lambda does
        _post(f"/status/{RUNTIME_ID}/error", _error_body(error))
        raise SystemExit(1) from error
    one_at_a_time = threading.Lock()  # an execution environment runs one invocation at a time

    class Invocations(BaseHTTPRequestHandler):
        def log_message(self, *_args) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            invocation = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with one_at_a_time:
                _run(handler, invocation)

    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["HARNESS_WORKER_PORT"])), Invocations)
    _post(f"/status/{RUNTIME_ID}/ready", b"{}")
    server.serve_forever()


if __name__ == "__main__":
    main()
