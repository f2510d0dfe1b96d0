"""What the harness adds to the function's execution environments when they run on this host: a debugger
(``up --debug``) and coverage (a test session measured by coverage.py).

The emulator gets these variables; its function processes act on them through ``function_runtime/startup.py``, run
before the handler is imported. The emulator itself is never measured nor debugged: coverage's own start-up
variables are taken out of its environment (``process.clean_environment``) and handed on under our name.
"""

import os
from pathlib import Path

from local_runtime.function_runtime.startup import COVERAGE_CONFIG, DEBUG_PORT

STARTUP_VARIABLE = "HARNESS_FUNCTION_STARTUP"
TASK_ROOT_VARIABLE = "HARNESS_DEBUG_TASK_ROOT"
STARTUP_FILE = Path(__file__).with_name("startup.py")
DEFAULT_DEBUG_PORT = 5678
# While a debugger holds an invocation, the function's timeout is lifted to this (as SAM lifts it when debugging).
DEBUG_TIMEOUT_S = 24 * 3600


def debug_task_root(state_dir: Path) -> Path:
    """Where the function's code runs while debugging: one fixed folder, so a debugger's path mapping holds."""
    return state_dir.resolve() / "debug" / "code"


def environment(state_dir: Path, debug_port: int | None) -> dict[str, str]:
    """The emulator's variables for its function processes (none when neither feature is asked for)."""
    env: dict[str, str] = {}
    if debug_port is not None:
        env.update({DEBUG_PORT: str(debug_port), TASK_ROOT_VARIABLE: str(debug_task_root(state_dir))})
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # debugpy's warning about frozen modules, once per process
    coverage_config = os.environ.get("COVERAGE_PROCESS_CONFIG")
    if coverage_config:
        env[COVERAGE_CONFIG] = coverage_config
    if env:
        env[STARTUP_VARIABLE] = str(STARTUP_FILE)
    return env
