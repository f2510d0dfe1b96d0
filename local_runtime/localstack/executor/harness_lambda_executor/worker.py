"""One Lambda execution environment: load the handler once, then run invocations that LocalStack sends.

A direct runner rather than AWS's runtime interface client behind an emulated Runtime API: it needs no
compiled extension and no second protocol, and it still gives the handler what Lambda gives it (the
environment, a context object, AWS's error shape, warm reuse, the function timeout). It talks to the executor over
its standard input, a Unix socket (``channel.py`` describes the messages): no HTTP server here, and no calls back
into LocalStack's gateway. The function's own AWS calls to LocalStack go over it too (``_send_sdk_calls_over``).
Standard library only, and this file's folder is taken off the import path: the function sees none of ours.
"""

import base64
import importlib
import io
import json
import os
import runpy
import socket
import sys
import threading
import time
import traceback

# This file's folder (the plugin's modules) off the import path; the function's own folder first, as on AWS.
sys.path[0] = os.environ["LAMBDA_TASK_ROOT"]
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


class _Executor:
    """The executor's end of the channel: fd 0, a Unix stream socket (``channel.py``). The main thread reads
    invocations between them; during one, the handler's thread makes its AWS calls over it (``call``)."""

    def __init__(self) -> None:
        self._sock = socket.socket(fileno=0)
        self._lines = self._sock.makefile("rb")
        self._sending = threading.Lock()
        self.calling = threading.Lock()  # one AWS call on the channel at a time; others take HTTP meanwhile

    def send(self, message: dict) -> None:
        with self._sending:
            self._sock.sendall(json.dumps(message).encode() + b"\n")

    def _receive(self) -> dict | None:
        line = self._lines.readline()
        return json.loads(line) if line else None

    def next_invocation(self) -> dict | None:
        """The next invocation; an answer to a call the handler made before it timed out is not one."""
        while (message := self._receive()) is not None and "invoke-id" not in message:
            continue
        return message

    def call(self, request: dict) -> dict:
        self.send({"aws_request": request})
        answer = self._receive()
        if answer is None or "aws_response" not in answer:
            raise OSError("the executor closed the channel")
        return answer["aws_response"]


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value  # as http.client sends a header


class _Answer:
    """What botocore reads of an HTTP response's raw stream."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_options):
        yield self.body


def _send_sdk_calls_over(executor: _Executor) -> None:
    """The function's AWS SDK calls to LocalStack's own gateway go over the channel, to be served in LocalStack's
    process by its gateway's handler chain (parsing, IAM, the service), as an HTTP request would be: without a TCP
    connection and LocalStack's HTTP server. The SDK signs and serialises as always; only the transport changes.
    Calls elsewhere (a fault proxy, another endpoint), streamed bodies, and a second concurrent call take HTTP."""
    gateway = os.environ.get("HARNESS_IN_PROCESS_ENDPOINT")
    if not gateway:
        return
    try:
        from botocore import awsrequest, httpsession  # the function's own botocore when it bundles one
    except ImportError:
        return
    send_over_http = httpsession.URLLib3Session.send

    def send(session, request):
        body = request.body.encode() if isinstance(request.body, str) else request.body or b""
        if not request.url.startswith(gateway + "/") or not isinstance(body, bytes):
            return send_over_http(session, request)
        if not executor.calling.acquire(blocking=False):
            return send_over_http(session, request)
        try:
            answer = executor.call(
                {
                    "method": request.method,
                    "url": request.url,
                    "headers": {name: _text(value) for name, value in request.headers.items()},
                    "body": base64.b64encode(body).decode(),
                }
            )
        finally:
            executor.calling.release()
        return awsrequest.AWSResponse(
            request.url, answer["status"], answer["headers"], _Answer(base64.b64decode(answer["body"]))
        )

    httpsession.URLLib3Session.send = send


def _error_body(error: BaseException, request_id: str | None = None) -> str:
    """AWS's shape for a function error."""
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": request_id or "",
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
    )


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


def _run(handler, invocation: dict, executor: _Executor) -> None:
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
    if thread.is_alive():
        message = f"Task timed out after {time.monotonic() - started:.2f} seconds"
        body = {"errorMessage": message, "errorType": "Sandbox.Timedout", "requestId": request_id}
        executor.send({"result": json.dumps(body), "is_error": True, "logs": logs, "restarting": True})
        # As on AWS, a timed-out environment is not reused: start afresh in this same process, channel and all.
        os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606 - re-run this same worker
    if "error" in outcome:
        body, is_error = _error_body(outcome["error"], request_id), True
    else:
        try:
            body, is_error = json.dumps(outcome["result"]), False
        except (TypeError, ValueError) as error:
            body, is_error = _error_body(error, request_id), True
    executor.send({"result": body, "is_error": is_error, "logs": logs})


def main() -> None:
    executor = _Executor()
    try:
        _send_sdk_calls_over(executor)
        handler = _load_handler()
    except Exception as error:  # noqa: BLE001 - an init error is reported, as Lambda does
        executor.send({"init_error": _error_body(error)})
        raise SystemExit(1) from error
    executor.send({"ready": True})
    # One invocation at a time, as in an execution environment; the executor closing its end ends the worker.
    while (invocation := executor.next_invocation()) is not None:
        _run(handler, invocation, executor)


if __name__ == "__main__":
    main()
