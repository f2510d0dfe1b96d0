"""``up --debug`` on LocalStack: one execution environment per function version, waiting for a debugger.

The community runtime leaves a seam for this, the provisioner of its Lambda Debug Mode (``ldm_provisioner``,
which LocalStack Pro fills; ``localstack/services/lambda_/ldm.py``): a version manager sends every invocation
to the environment the provisioner hands out, past the concurrency count and the assignment service, and
waits up to an hour for its result (``ldm.DEFAULT_LDM_TIMEOUT_SECONDS``) instead of 905 s. Ours hands out one
environment, one invocation at a time (the others wait, as under SAM's debugger), started with no start-up
timeout: it waits for the debugger before it reports ready. The function's own timeout is lifted by the worker.
"""

import os
import threading
from typing import Any

from localstack.services.lambda_ import hooks as lambda_hooks
from localstack.services.lambda_ import ldm
from localstack.services.lambda_.invocation.execution_environment import ExecutionEnvironment, RuntimeStatus
from localstack.services.lambda_.invocation.lambda_models import InitializationType

DEBUG_PORT = "HARNESS_DEBUG_PORT"
WAIT_FOR_DEBUGGER_S = 24 * 3600
_GONE = (RuntimeStatus.STOPPED, RuntimeStatus.STARTUP_FAILED, RuntimeStatus.STARTUP_TIMED_OUT, RuntimeStatus.TIMING_OUT)


class _DebuggedEnvironment(ExecutionEnvironment):
    def _get_startup_timeout_seconds(self) -> int:
        return WAIT_FOR_DEBUGGER_S


class _Lease:
    """The environment for one invocation; ``release`` lets the next one in."""

    def __init__(self, environment: ExecutionEnvironment, turn: threading.Lock) -> None:
        self._environment, self._turn = environment, turn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._environment, name)

    def release(self) -> None:
        try:
            self._environment.release()
        finally:
            self._turn.release()


class OneEnvironment(ldm.LDMProvisioner):
    def __init__(self, version_manager: Any) -> None:
        self.version_manager = version_manager
        self.turn = threading.Lock()
        self.environment: ExecutionEnvironment | None = None

    def get_execution_environment(self, qualified_lambda_arn: str, user_agent: str | None) -> _Lease:
        self.turn.acquire()
        try:
            if self.environment is None or self.environment.status in _GONE:
                self.environment = _DebuggedEnvironment(
                    self.version_manager.function_version,
                    InitializationType.on_demand,
                    on_timeout=lambda *_: None,  # not in the assignment service's list: nothing to remove
                    version_manager_id=self.version_manager.id,
                )
                self.environment.start()
            self.environment.reserve()
        except BaseException:
            self.turn.release()
            raise
        return _Lease(self.environment, self.turn)


@lambda_hooks.inject_ldm_provisioner()
def provide_one_debug_environment(version_manager: Any) -> None:
    if os.environ.get(DEBUG_PORT):
        ldm.IS_LDM_ENABLED = True
        version_manager.ldm_provisioner = OneEnvironment(version_manager)
