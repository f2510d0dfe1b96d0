"""MiniStack's warm execution environments across a code update, as on AWS.

AWS, on UpdateFunctionCode (or a configuration change): invocations in flight finish in their execution
environment on the old code; every invocation that starts once the update is done runs the new code.
MiniStack (``invalidate_worker`` in ``ministack/core/lambda_runtime.py``) kills every worker of the
function at once, busy ones included, so an invocation in flight failed (502 through the API); and an
invocation that read the function's code just before the update could start a worker with the old code
and leave it in the pool for later invocations.

Here a busy worker is retired instead: out of the pool at once, stopped when its invocation returns. And
a worker whose code is not the function's current code is stopped when released, never reused. Idle
workers are stopped in the background, so UpdateFunctionCode answers without waiting for them (that wait
was ~0.25 s of a hot reload).
"""

import base64
import hashlib
import threading
from typing import Any

from ministack.core import lambda_runtime

_original_invalidate = lambda_runtime.invalidate_worker  # replaced, not wrapped; kept for the shape test
_original_release = lambda_runtime.release_worker


def _matches(key: str, func_name: str, qualifier: str | None, account: str | None, region: str | None) -> bool:
    """MiniStack's worker key is ``account:region:function:qualifier``; None matches any."""
    parts = key.split(":")
    if len(parts) != 4:
        return False
    wanted = (account, region, func_name, qualifier)
    return all(want is None or want == part for want, part in zip(wanted, parts, strict=True))


def _code_sha256(worker: Any) -> str:
    """The CodeSha256 of the code a worker runs, computed once per worker."""
    if not hasattr(worker, "harness_code_sha256"):
        worker.harness_code_sha256 = base64.b64encode(hashlib.sha256(worker.code_zip or b"").digest()).decode()
    return worker.harness_code_sha256


def invalidate_sparing_busy_workers(
    func_name: str, qualifier: str | None = None, account: str | None = None, region: str | None = None
) -> None:
    """MiniStack's invalidation, except that a worker running an invocation is retired, not killed, and idle
    ones are stopped in the background (the update does not wait for them; they are out of the pool already)."""
    idle = []
    with lambda_runtime._lock:
        for key in [key for key in lambda_runtime._workers if _matches(key, func_name, qualifier, account, region)]:
            for worker in lambda_runtime._workers.pop(key):
                if worker.in_use:
                    worker.harness_retired = True
                else:
                    idle.append(worker)
    if idle:
        threading.Thread(target=lambda_runtime.kill_workers, args=(idle,), daemon=True).start()


def release_or_stop(worker: Any) -> None:
    """Back to the pool; or stopped, if it was retired or its code is no longer the function's."""
    if worker is None:
        return
    current = worker.config.get("CodeSha256")
    if not getattr(worker, "harness_retired", False) and (current is None or current == _code_sha256(worker)):
        _original_release(worker)
        return
    with lambda_runtime._lock:
        worker.in_use = False
        for workers in lambda_runtime._workers.values():
            if worker in workers:
                workers.remove(worker)
    lambda_runtime.kill_workers([worker])
