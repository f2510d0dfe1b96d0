"""MiniStack, started with two timings tuned and four differences from AWS removed.

- **Log drain timing.** After every invocation MiniStack drains the worker's stderr: it waits up to 50 ms
  for a first line, then until stderr has been quiet for 5 ms (``Worker._drain_stderr_bounded`` in
  ``ministack/core/lambda_runtime.py``, hard-coded, no setting). That quiet window alone is most of a warm
  request's time through the API (ping: 8.1 ms with it, 3.6 ms without; see the README's figures). The
  handler writes its log line before it returns, so a shorter window loses nothing; a late line is
  attributed to the next invocation at worst. The drain also waits on the queue instead of polling it
  every millisecond. ``HARNESS_MINISTACK_LOG_SETTLE_MS`` /
  ``HARNESS_MINISTACK_LOG_FIRST_LINE_MS`` tune it; 5 / 50 give MiniStack's own behaviour back.
- **Pending timing.** After CreateFunction and every update MiniStack holds the function ``Pending`` /
  ``InProgress`` for 0.5 s (``_LAMBDA_STATE_TRANSITION_DELAY`` in ``ministack/services/lambda_svc.py``), which
  every new function's ``up`` waited out (0.6 s, polling every 0.2 s). 50 ms keeps the state visible to the
  waiters. ``HARNESS_MINISTACK_PENDING_MS`` tunes it; 500 gives MiniStack's own back.
- **A disabled API key is refused** (403), as on AWS. UpdateApiKey's patch stores ``enabled`` as the
  text it was sent (``"false"``), which MiniStack's key check reads as true; it is stored as a boolean.
- **A failed invocation answers 502 ``{"message": "Internal server error"}``**, as API Gateway does,
  instead of carrying the function's error text to the caller.
- **API Gateway stops waiting for the function after the integration's timeout** (29 s unless the
  integration sets ``timeoutInMillis``) and answers 504 ``{"message": "Endpoint request timed out"}``, as
  AWS does; MiniStack waited as long as the function ran. The invocation itself runs on, as on AWS.
- **UpdateItem checks its UpdateExpression's syntax** as DynamoDB does (``update_expression.py``):
  MiniStack executed what it could make sense of, so ``SET = =`` was accepted.
- **A code update spares invocations in flight and leaves no old code behind** (``workers.py``):
  MiniStack killed busy workers too (the invocation failed, 502).

- **Cold starts are forked** from a process that has imported boto3 (``fork_server.py``): the same
  execution environment MiniStack's ``subprocess.Popen`` made, without paying boto3's import each time.
- **One unzipped copy of each code version** serves all its execution environments, as ``/var/task`` does on AWS
  (``shared_code.py``): MiniStack unzipped the code again for every cold start.
- **Served by uvicorn's httptools protocol** instead of hypercorn's h11 (``server.py``): the same app
  and answers, the HTTP parsing and writing in C instead of Python (it was 43 % of the emulator's GIL time).

When the harness asks for it (``function_runtime/hooks.py``), the function's processes run ``startup.py``
first (coverage, a debugger). While debugging (``up --debug``) three more patches apply, as SAM's debug mode
does: one execution environment per function (a concurrent request waits for it instead of starting a
second, which would want the same debugger port), no function timeout (a paused invocation is not killed),
and the code unzipped to one fixed folder, so a debugger's path mapping holds.

Every name replaced is declared, with its kind, reason and guarding test, in ``patches.py``, which applies them all
(``python -m local_runtime.ministack`` starts the tuned MiniStack); ``python -m local_runtime.patch_registry --check``
says whether each still applies to the MiniStack installed.
"""

import asyncio
import os
import queue
import shutil
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ministack.core import lambda_runtime
from ministack.core.responses import error_response_json
from ministack.services import apigateway_v1, dynamodb

from local_runtime.function_runtime.hooks import DEBUG_TIMEOUT_S, STARTUP_VARIABLE, TASK_ROOT_VARIABLE
from local_runtime.ministack import gateway_errors
from local_runtime.ministack.update_expression import UpdateExpressionError, check

SETTLE_S = float(os.environ.get("HARNESS_MINISTACK_LOG_SETTLE_MS", "0.5")) / 1000
FIRST_LINE_S = float(os.environ.get("HARNESS_MINISTACK_LOG_FIRST_LINE_MS", "5")) / 1000
_original_drain = lambda_runtime.Worker._drain_stderr_bounded
_original_update_api_key = apigateway_v1._update_api_key
_original_lambda_proxy_response = apigateway_v1._lambda_proxy_response
_original_update_item = dynamodb._update_item
_original_invoke_lambda_proxy = apigateway_v1._invoke_lambda_proxy_v1
# How long a function stays Pending (State) / InProgress (LastUpdateStatus) after CreateFunction and Update*.
PENDING_S = float(os.environ.get("HARNESS_MINISTACK_PENDING_MS", "50")) / 1000
INTEGRATION_TIMEOUT_MS = 29_000  # REST APIs' default and, without a quota increase, maximum
_original_acquire_worker = lambda_runtime.acquire_worker
_original_invoke = lambda_runtime.Worker.invoke
AWS_INTERNAL_ERROR = "Internal server error"


def _drain_with_tuned_windows(
    self: Any, first_line_wait: float = FIRST_LINE_S, idle_confirm: float = SETTLE_S, hard_cap: float = 0.250
) -> str:
    """MiniStack's drain with the same three windows, but waiting on the queue instead of polling it: the
    original sleeps 1 ms between looks, so even a 0.5 ms quiet window cost 1-2 ms per invocation. A blocking
    get returns the moment a line arrives or the window has passed."""
    lines = []
    deadline = time.monotonic() + hard_cap
    window = first_line_wait
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            lines.append(self._stderr_queue.get(timeout=min(window, remaining)))
        except queue.Empty:
            break
        window = idle_confirm
    return "\n".join(lines)


def _update_api_key_with_boolean_enabled(key_id: str, data: dict) -> Any:
    answer = _original_update_api_key(key_id, data)
    key = apigateway_v1._api_keys.get(key_id)
    if key is not None and isinstance(key.get("enabled"), str):
        key["enabled"] = key["enabled"].strip().lower() == "true"
        return apigateway_v1._v1_response(key)
    return answer


def _lambda_proxy_response_as_aws(result: dict) -> tuple[Any, str | None]:
    lambda_response, error = _original_lambda_proxy_response(result)
    if error is None:
        return lambda_response, None
    gateway_errors.note_failed_invocation()
    return None, AWS_INTERNAL_ERROR


async def _invoke_lambda_proxy_within_timeout(integration: dict, *args: Any, **kwargs: Any) -> Any:
    # UpdateIntegration stores the patch value as sent ("3000"): read it as the number AWS keeps
    timeout_s = int(integration.get("timeoutInMillis") or INTEGRATION_TIMEOUT_MS) / 1000
    invocation = asyncio.ensure_future(_original_invoke_lambda_proxy(integration, *args, **kwargs))
    try:
        return await asyncio.wait_for(asyncio.shield(invocation), timeout_s)
    except TimeoutError:
        invocation.add_done_callback(lambda done: done.cancelled() or done.exception())  # ran on, result unused
        return apigateway_v1._gw_error("INTEGRATION_TIMEOUT", "Endpoint request timed out")


def _update_item_with_checked_expression(data: dict) -> Any:
    if isinstance(data.get("UpdateExpression"), str):
        try:
            check(data["UpdateExpression"])
        except UpdateExpressionError as error:
            return error_response_json("ValidationException", str(error), 400)
    return _original_update_item(data)


def _worker_script_with_startup(script: str) -> str:
    """The worker script, running ``function_runtime/startup.py`` first (its path comes from the environment)."""
    prologue = f"import os as _h_os, runpy as _h_runpy\n_h_runpy.run_path(_h_os.environ[{STARTUP_VARIABLE!r}])\n"
    return prologue + script


def _acquire_the_one_worker(
    func_name: str, config: dict, code_zip: bytes, qualifier: str = "$LATEST", max_concurrency: int | None = None
) -> tuple[Any, str]:
    """Debugging: the function's one execution environment, even when busy (its lock queues the invocations)."""
    worker, reason = _original_acquire_worker(func_name, config, code_zip, qualifier=qualifier, max_concurrency=1)
    if worker is not None:
        return worker, reason
    with lambda_runtime._lock:
        return lambda_runtime._workers[lambda_runtime._worker_key(func_name, config, qualifier)][0], "reused"


def _invoke_without_timeout(self: Any, *args: Any, **kwargs: Any) -> dict:
    self.config = {**self.config, "Timeout": DEBUG_TIMEOUT_S}
    return _original_invoke(self, *args, **kwargs)


def _fixed_task_folder(**_ignored: Any) -> str:
    """Debugging: the environment's folder (``<it>/code`` holds the unzipped code), emptied, always the same."""
    folder = Path(os.environ[TASK_ROOT_VARIABLE]).parent
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return str(folder)


# Debugging: ``lambda_runtime``'s ``tempfile``, whose ``mkdtemp`` gives the one fixed folder.
TEMPFILE_FOR_DEBUGGING = SimpleNamespace(mkdtemp=_fixed_task_folder, gettempdir=tempfile.gettempdir)
