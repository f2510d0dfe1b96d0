"""Runs first in a function's execution environment (a process on this host), when the harness asks for it.

Both emulators run it before the handler is imported: MiniStack's worker script starts with it
(``ministack/tuned.py``), our LocalStack executor's worker runs it (``localstack/executor/.../worker.py``).
Standard library only until a feature is asked for, so without one nothing is imported at all:

- ``HARNESS_DEBUG_PORT``: debugpy listens on 127.0.0.1:<port> and the process waits for a debugger to attach.
- ``HARNESS_FUNCTION_COVERAGE``: coverage.py measures ``handler/`` in this process (the value is the test
  process's coverage configuration, as coverage's ``[run] patch = subprocess`` serialises it), under the static
  context ``e2e-function``; the data file is written when the process exits (SIGTERM included).

Run by path (``runpy.run_path``), not imported: LocalStack's interpreter cannot import the project.
"""

import base64
import json
import os

DEBUG_PORT = "HARNESS_DEBUG_PORT"
COVERAGE_CONFIG = "HARNESS_FUNCTION_COVERAGE"
COVERAGE_CONTEXT = "e2e-function"


def _start_debugger(port: int) -> None:
    import debugpy

    debugpy.listen(("127.0.0.1", port))
    print(f"harness: execution environment {os.getpid()} waits for a debugger on 127.0.0.1:{port}", flush=True)
    debugpy.wait_for_client()


def changed_coverage_config(serialized_config: str, **changes: object) -> str:
    """coverage's serialised configuration (``COVERAGE_PROCESS_CONFIG``, base64 of JSON) with some settings changed.

    A serialised configuration is taken as it is: ``Coverage(source=...)`` would be ignored beside it."""
    config = json.loads(base64.b64decode(serialized_config))
    config.update(changes)
    return base64.b64encode(json.dumps(config).encode()).decode()


def _start_coverage(serialized_config: str) -> None:
    import coverage

    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # The code runs from an unzipped copy: measure that copy's handler/ ([paths] maps it back to handler/).
    config = changed_coverage_config(
        serialized_config, source=[os.path.join(task_root, "handler")], context=COVERAGE_CONTEXT
    )
    measured = coverage.Coverage(config_file=":data:" + config, auto_data=True)  # auto_data: saved at exit
    measured._warn_no_data = False  # as coverage's own process start-up: an idle environment has nothing to say
    measured.start()


def start() -> None:
    if os.environ.get(DEBUG_PORT):
        # One tracer at a time: under a debugger, coverage would fight it for sys.settrace.
        _start_debugger(int(os.environ[DEBUG_PORT]))
    elif os.environ.get(COVERAGE_CONFIG):
        _start_coverage(os.environ[COVERAGE_CONFIG])


if __name__ == "<run_path>":
    start()
