"""Lambda's keep-alive timers on one thread, instead of a thread started per invocation.

When an invocation ends, LocalStack's execution environment starts a ``threading.Timer`` (a new thread) that stops
the environment once it has been idle for ``LAMBDA_KEEPALIVE_MS`` (10 minutes); the next invocation cancels it. So
each invocation started, and soon ended, a thread: 0.2-0.3 ms of LocalStack's CPU per create through the API
(``py-spy``), and one more thread waiting for the GIL. Here a timer is an entry in one scheduler, with the same
``start`` and ``cancel``; when one is due (rarely), the scheduler's thread calls it on a thread of its own.
"""

import itertools
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from localstack.runtime import hooks
from localstack.services.lambda_.invocation import execution_environment

LOG = logging.getLogger(__name__)


class _Scheduler:
    def __init__(self) -> None:
        self._due: dict[int, tuple[float, Callable[[], Any]]] = {}
        self._changed = threading.Condition()
        self._earliest = math.inf
        self._thread: threading.Thread | None = None

    def add(self, key: int, delay_s: float, call: Callable[[], Any]) -> None:
        due = time.monotonic() + delay_s
        with self._changed:
            self._due[key] = (due, call)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lambda-keepalive-timers", daemon=True)
                self._thread.start()
            if due < self._earliest:  # else the thread wakes in time anyway: no hand-off per invocation
                self._earliest = due
                self._changed.notify()

    def remove(self, key: int) -> None:
        with self._changed:
            self._due.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                calls = [self._due.pop(key)[1] for key, (due, _) in list(self._due.items()) if due <= now]
                self._earliest = min((due for due, _ in self._due.values()), default=math.inf)
                if not calls:
                    self._changed.wait(None if self._earliest == math.inf else self._earliest - now)
                    continue
            for call in calls:  # on a thread each, as a Timer's: stopping an environment can take seconds
                threading.Thread(target=_run_logged, args=(call,), name="lambda-keepalive-passed", daemon=True).start()


def _run_logged(call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception:  # a Timer's thread would have died with it, logging it
        LOG.exception("a Lambda keep-alive timer failed")


_SCHEDULER = _Scheduler()
_KEYS = itertools.count()


class SharedTimer:
    """``threading.Timer``'s ``start`` and ``cancel``, on the shared scheduler."""

    def __init__(self, interval: float, function: Callable[[], Any]) -> None:
        self.interval, self.function, self.key = interval, function, next(_KEYS)

    def start(self) -> None:
        _SCHEDULER.add(self.key, self.interval, self.function)

    def cancel(self) -> None:
        _SCHEDULER.remove(self.key)


@hooks.on_infra_start()
def share_keepalive_timers() -> None:
    execution_environment.Timer = SharedTimer
