"""The RuntimeExecutor LocalStack drives: start an environment, send it invocations, stop it.

Each execution environment is one process running ``worker.py`` with the function's unzipped code as
working directory and import path, the environment LocalStack computed (handler, role credentials,
AWS_ENDPOINT_URL back to LocalStack, timeout, memory), and a free loopback port. Results come back the
way LocalStack's own runtime sends them: POSTs to its executor endpoint.
"""

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import wait
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor

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


def _code_folder(unzipped: Path) -> Path:
    """Where the function runs from: LocalStack's unzipped code, or, while debugging, a copy in the one fixed
    folder a debugger's path mapping names (one environment at a time then: debugging.py)."""
    fixed = os.environ.get("HARNESS_DEBUG_TASK_ROOT")
    if not fixed:
        return unzipped
    shutil.rmtree(fixed, ignore_errors=True)
    shutil.copytree(unzipped, fixed)
    return Path(fixed)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProcessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:  # noqa: A002 - LocalStack's signature
        super().__init__(id=id, function_version=function_version)
        self.executor_endpoint = ExecutorEndpoint(self.id)
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.invocation_deadline = 0.0  # monotonic time the invocation in flight times out at

    def start(self, env_vars: dict[str, str]) -> None:
        self.executor_endpoint.start()
        code_dir = _code_folder(Path(self.function_version.config.code.get_unzipped_code_location()))
        port = _free_port()
        env = {name: os.environ[name] for name in _HOST_VARIABLES + _HARNESS_VARIABLES if name in os.environ}
        env.update({key: str(value) for key, value in env_vars.items()})
        env.update(
            LAMBDA_TASK_ROOT=str(code_dir),
            HARNESS_WORKER_PORT=str(port),
            PYTHONPATH=str(code_dir),
            PYTHONUNBUFFERED="1",
        )
        self.log_path = Path(config.dirs.tmp) / f"lambda-{self.id}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our worker script, LocalStack's interpreter
                [sys.executable, str(WORKER)],
                cwd=code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.executor_endpoint.container_address = "127.0.0.1"
        self.executor_endpoint.container_port = port
        threading.Thread(target=self._fail_invocation_if_process_dies, daemon=True).start()
        self.executor_endpoint.wait_for_startup()

    def _fail_invocation_if_process_dies(self) -> None:
        """A process that dies mid-invocation answers nothing: fail that invocation (Lambda answers 502)."""
        process = self.process
        code = process.wait()
        future = self.executor_endpoint.invocation_future
        if future is not None and not future.done():
            error = {"errorMessage": f"Runtime exited with error: exit status {code}", "errorType": "Runtime.ExitError"}
            future.set_result(InvocationResult("", json.dumps(error).encode(), is_error=True, logs=self.get_logs()))

    def _let_the_invocation_in_flight_finish(self) -> None:
        """On a code update AWS lets an invocation in flight finish in its environment; LocalStack stops the old
        version's environments at once (in a background task), which killed it (502). Wait for it, at most
        until the function's timeout; a timed-out invocation is not waited for."""
        future = self.executor_endpoint.invocation_future
        remaining = self.invocation_deadline - time.monotonic()
        if future is not None and not future.done() and remaining > 0:
            wait([future], timeout=remaining)

    def stop(self) -> None:
        self._let_the_invocation_in_flight_finish()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        try:
            self.executor_endpoint.shutdown()
        except Exception as error:  # noqa: BLE001 - best effort, as LocalStack's own executor does
            LOG.debug("stopping executor endpoint %s: %s", self.id, error)

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        port = config.GATEWAY_LISTEN[0].port
        return f"http://127.0.0.1:{port}{self.executor_endpoint.get_endpoint_prefix()}"

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        self.invocation_deadline = time.monotonic() + self.function_version.config.timeout
        return self.executor_endpoint.invoke(payload)

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
