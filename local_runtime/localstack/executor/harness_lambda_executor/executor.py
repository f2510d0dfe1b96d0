"""The RuntimeExecutor LocalStack drives: start an environment, send it invocations, stop it.

Each execution environment is one process running ``worker.py`` with the function's unzipped code as
working directory and import path, the environment LocalStack computed (handler, role credentials,
AWS_ENDPOINT_URL back to LocalStack, timeout, memory). Invocations go to it, and results and logs come back,
over a socket pair (``channel.py``), not as HTTP calls back into LocalStack's gateway as its own runtime makes.
"""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor

from harness_lambda_executor import channel, sdk_calls
from harness_lambda_executor.function_runtime.fork_client import ForkServer, read_at_start
from harness_lambda_executor.function_runtime.forked_process import ForkedProcess

LOG = logging.getLogger(__name__)
WORKER = Path(__file__).with_name("worker.py")
# Host variables a Python process needs; everything else comes from LocalStack's computed environment.
_HOST_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
# What the harness asks of the function's processes (local_runtime/function_runtime/hooks.py): a debugger, coverage;
# and the owner mark by which `down` finds every process of the emulator (local_runtime/processes.py).
_HARNESS_VARIABLES = (
    "HARNESS_PROCESS_OWNER",
    "HARNESS_FUNCTION_STARTUP",
    "HARNESS_DEBUG_PORT",
    "HARNESS_FUNCTION_COVERAGE",
    "PYDEVD_DISABLE_FILE_VALIDATION",
)


_fork_server: ForkServer | None = None
_starting_fork_server = threading.Lock()


def _shared_fork_server(function_env: dict[str, str]) -> ForkServer | None:
    """The fork server every environment of this LocalStack is forked from (the embedded MiniStack's, installed with
    this plugin as ``function_runtime``): boto3 imported once, a cold start without it. Started with the first
    environment; None when ``HARNESS_FORK_SERVER=0`` or it cannot start (environments are then plain processes)."""
    global _fork_server
    if os.environ.get("HARNESS_FORK_SERVER", "1") == "0":
        return None
    with _starting_fork_server:
        if _fork_server is None:
            server = ForkServer()
            # What the interpreter reads at start is the functions' (the first one's: LocalStack gives each the same
            # TZ, locale and PYTHONUNBUFFERED), not LocalStack's own (its PYTHONDONTWRITEBYTECODE, ...).
            own = {name: value for name, value in os.environ.items() if not read_at_start(name)}
            functions = {name: value for name, value in function_env.items() if read_at_start(name)}
            try:
                server.start({**own, **functions})
            except OSError as error:
                LOG.warning("fork server not started, execution environments start as processes: %s", error)
                return None
            _fork_server = server
    return _fork_server


def _debugging() -> bool:
    """``up --debug``: a debugger may hold an invocation at a breakpoint for as long as it likes."""
    return bool(os.environ.get("HARNESS_DEBUG_PORT"))


def _code_folder(unzipped: Path) -> Path:
    """Where the function runs from: LocalStack's unzipped code, or, while debugging, a copy in the one fixed
    folder a debugger's path mapping names (one environment at a time then: debugging.py)."""
    fixed = os.environ.get("HARNESS_DEBUG_TASK_ROOT")
    if not fixed:
        return unzipped
    shutil.rmtree(fixed, ignore_errors=True)
    shutil.copytree(unzipped, fixed)
    return Path(fixed)


# Past the function's own timeout (the worker enforces it and answers), how long a silent worker is given before
# it is taken for hung: stopped, and the invocation answered as timed out.
_HUNG_AFTER_TIMEOUT_S = 10


def _error_result(request_id: str, error_type: str, message: str, logs: str) -> InvocationResult:
    body = json.dumps({"errorMessage": message, "errorType": error_type, "requestId": request_id}).encode()
    return InvocationResult(request_id, body, is_error=True, logs=logs)


class ProcessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:  # noqa: A002 - LocalStack's signature
        super().__init__(id=id, function_version=function_version)
        self.process: subprocess.Popen | ForkedProcess | None = None
        self.channel: channel.Channel | None = None
        self.log_path: Path | None = None
        self.code_dir: Path | None = None
        self.env: dict[str, str] = {}
        self.restarting = False  # the worker timed out and starts afresh: its next message is "ready"
        self.idle = threading.Event()  # no invocation in flight
        self.idle.set()
        self.invocation_deadline = 0.0  # monotonic time the invocation in flight times out at

    def start(self, env_vars: dict[str, str]) -> None:
        code_dir = _code_folder(Path(self.function_version.config.code.get_unzipped_code_location()))
        env = {name: os.environ[name] for name in _HOST_VARIABLES + _HARNESS_VARIABLES if name in os.environ}
        env.update({key: str(value) for key, value in env_vars.items()})
        env.update(
            LAMBDA_TASK_ROOT=str(code_dir),  # the worker puts it first on the import path
            PYTHONUNBUFFERED="1",
            HARNESS_IN_PROCESS_ENDPOINT=sdk_calls.gateway_url(),
        )
        self.log_path = Path(config.dirs.tmp) / f"lambda-{self.id}.log"
        self.code_dir, self.env = code_dir, env
        self._start_worker()

    def _start_worker(self) -> None:
        if self.channel is not None:
            self.channel.close()
        self.channel, theirs = channel.pair()
        argv = [sys.executable, str(WORKER)]
        with theirs, self.log_path.open("ab") as log:
            server = _shared_fork_server(self.env)
            streams = (theirs.fileno(), log.fileno(), log.fileno())
            forked = server.spawn(argv, str(self.code_dir), self.env, streams) if server else None
            self.process = forked or subprocess.Popen(  # noqa: S603 - our worker script, LocalStack's interpreter
                argv, cwd=self.code_dir, env=self.env, stdin=theirs, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        """Until the worker has loaded the handler; LocalStack's start-up timer stops us if it takes too long
        (the channel then closes). An init error is raised as LocalStack's own runtime reports one."""
        try:
            message = self._receive(timeout_s=None)
        except channel.ChannelClosed as error:
            raise StatusErrorException(f"Environment startup failed: {error}", payload=b"{}") from error
        if "init_error" in message:
            raise StatusErrorException("Environment startup failed", payload=message["init_error"].encode())

    def stop(self) -> None:
        # On a code update AWS lets an invocation in flight finish in its environment; LocalStack stops the old
        # version's environments at once (in a background task). Wait for it, at most until the function's timeout.
        self.idle.wait(max(0.0, self.invocation_deadline - time.monotonic()))
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.channel is not None:
            self.channel.close()

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        """LOCALSTACK_RUNTIME_ENDPOINT in the function's environment, as LocalStack's runtime has it (the worker
        does not call it: results go back over the channel)."""
        port = config.GATEWAY_LISTEN[0].port
        return f"http://127.0.0.1:{port}/_localstack_lambda/{self.id}"

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout_s = self.function_version.config.timeout
        self.invocation_deadline = time.monotonic() + timeout_s
        self.idle.clear()
        try:
            if self.process.poll() is not None:
                # The runtime exited (a crash ended the last invocation): as on AWS, this one starts afresh.
                self._start_worker()
            elif self.restarting:
                self._wait_until_ready()
            self.restarting = False
            self.channel.send(payload)
            message = self._receive(timeout_s=None if _debugging() else timeout_s + _HUNG_AFTER_TIMEOUT_S)
        except channel.ChannelClosed:
            code = self._exit_code()
            message = f"Runtime exited with error: exit status {code}"
            return _error_result(request_id, "Runtime.ExitError", message, self.get_logs())
        except channel.ChannelTimeout:
            self.process.kill()
            message = f"Task timed out after {timeout_s:.2f} seconds"
            return _error_result(request_id, "Sandbox.Timedout", message, self.get_logs())
        finally:
            self.idle.set()
        self.restarting = bool(message.get("restarting"))
        return InvocationResult(
            request_id, message["result"].encode(), is_error=message["is_error"], logs=message["logs"]
        )

    def _receive(self, timeout_s: float | None) -> dict:
        """The worker's next message, serving the AWS calls its function makes meanwhile (``sdk_calls.py``)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            message = self.channel.receive(remaining)
            if "aws_request" not in message:
                return message
            answer = sdk_calls.serve(message["aws_request"])
            try:
                self.channel.send({"aws_response": answer})
            except channel.ChannelClosed:
                pass  # the worker timed out meanwhile: its timeout result, or the channel's end, comes next

    def _exit_code(self) -> int | str:
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "unknown"

    def get_logs(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        return True
