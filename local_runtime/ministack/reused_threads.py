"""Threads that run their target on an idle thread kept from an earlier one, instead of a new OS thread each.

MiniStack starts two OS threads for every Lambda invocation: ``concurrency.run_reentrant`` runs the invocation on
a thread of its own (a bounded pool could deadlock when a function calls back into MiniStack), and
``Worker.invoke`` reads the function's answer on another, so that it can stop waiting at the function's timeout.
Creating, starting and joining a thread costs ~150 µs of CPU here, twice per request, with the GIL held for most
of it. AWS's front end has no such cost per request.

``Thread`` below is what those modules see as ``threading.Thread``: a daemon thread's target runs on an idle kept
thread if there is one, else on a new one, so there is never a queue and never a bound (the deadlock argument of
``run_reentrant`` holds as before). What a target can observe is what a new thread gives it: a fresh
``contextvars`` context, the thread name it asked for, ``threading.current_thread()`` answering its own handle,
``start``/``join(timeout)``/``is_alive`` with ``threading.Thread``'s meaning, an uncaught exception reported to
``threading.excepthook``. What differs: a ``threading.local`` value a target sets is still there for the next target
on that OS thread (MiniStack's Lambda and API Gateway paths keep none). A non-daemon thread is left to
``threading.Thread`` (the interpreter waits for those at exit; kept threads are daemons).
"""

import contextvars
import queue
import sys
import threading
import types
from typing import Any

IDLE_S = 60.0  # a kept thread with no work for this long ends
KEPT_NAME = "harness-kept-thread"


class _KeptThreads:
    """Idle threads wait on one queue; work goes to an idle thread, or to a new thread when none is idle."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._idle = 0  # threads waiting for work, less the work already queued for them

    def run(self, work: Any) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
                self._work.put(work)
                return
        threading.Thread(target=self._serve, args=(work,), daemon=True, name=KEPT_NAME).start()

    def _serve(self, work: Any) -> None:
        while work is not None:
            work()
            work = None  # not held while idle: the last task's target, arguments and result can be freed
            work = self._next()

    def _next(self) -> Any:
        with self._lock:
            self._idle += 1
        try:
            return self._work.get(timeout=IDLE_S)
        except queue.Empty:
            with self._lock:  # work queued just as the wait ended is ours: every queued item had an idle thread
                try:
                    return self._work.get_nowait()
                except queue.Empty:
                    self._idle -= 1
                    return None

    def idle(self) -> int:
        with self._lock:
            return self._idle


KEPT = _KeptThreads()
_running = threading.local()  # the handle of the target a kept thread is running


class ReusedThread:
    """The part of ``threading.Thread`` MiniStack uses, its target run by a kept thread."""

    def __init__(
        self,
        group: None = None,
        target: Any = None,
        name: str | None = None,
        args: tuple = (),
        kwargs: dict | None = None,
        *,
        daemon: bool | None = None,
    ) -> None:
        self._target, self._args, self._kwargs = target, args, kwargs or {}
        self.name, self.daemon = name or KEPT_NAME, daemon
        self._started, self._done = False, threading.Event()

    def start(self) -> None:
        if self._started:
            raise RuntimeError("threads can only be started once")
        self._started = True
        KEPT.run(self._run)

    def _run(self) -> None:
        thread = threading.current_thread()
        thread.name, _running.handle = self.name, self
        try:
            if self._target is not None:
                contextvars.Context().run(self._target, *self._args, **self._kwargs)
        except Exception:  # noqa: BLE001  (reported as a thread's uncaught exception is)
            threading.excepthook(threading.ExceptHookArgs((*sys.exc_info(), thread)))
        finally:
            thread.name, _running.handle = KEPT_NAME, None
            self._target, self._args, self._kwargs = None, (), {}  # as threading.Thread drops them once run
            self._done.set()  # a BaseException (SystemExit) ends the kept thread too, as it would have ended this one

    def join(self, timeout: float | None = None) -> None:
        if not self._started:
            raise RuntimeError("cannot join thread before it is started")
        if current_thread() is self:
            raise RuntimeError("cannot join current thread")
        self._done.wait(timeout)

    def is_alive(self) -> bool:
        return self._started and not self._done.is_set()


class Thread:
    """``threading.Thread`` as the patched modules see it: daemon threads are reused, others are real."""

    def __new__(cls, *args: Any, daemon: bool | None = None, **kwargs: Any) -> Any:
        if daemon:
            return ReusedThread(*args, daemon=daemon, **kwargs)
        return threading.Thread(*args, daemon=daemon, **kwargs)


def current_thread() -> Any:
    """The running target's handle on a kept thread (what ``threading.current_thread()`` gave it before)."""
    return getattr(_running, "handle", None) or threading.current_thread()


class _Threading(types.ModuleType):
    """``threading``, with ``Thread`` and ``current_thread`` above; every other name is ``threading``'s own."""

    Thread = Thread
    current_thread = staticmethod(current_thread)

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)


threading_with_reused_threads = _Threading("threading")
