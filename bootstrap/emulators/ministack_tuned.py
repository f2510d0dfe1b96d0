"""MiniStack, started with one timing of its own tuned: how long it waits for a function's log lines.

After every invocation MiniStack drains the worker's stderr: it waits up to 50 ms for a first line, then
until stderr has been quiet for 5 ms (``Worker._drain_stderr_bounded`` in ``ministack/core/lambda_runtime.py``,
hard-coded, no setting). That quiet window alone is most of a warm request's time through the API
(ping: 8.1 ms with it, 3.6 ms without; see the README's figures). The handler writes its log line before
it returns, so a shorter window loses nothing; a late line is attributed to the next invocation at worst.

Set ``HARNESS_MINISTACK_LOG_SETTLE_MS`` / ``HARNESS_MINISTACK_LOG_FIRST_LINE_MS`` to tune, or to 5 / 50 to
get MiniStack's own behaviour back. Run as ``python -m bootstrap.emulators.ministack_tuned``.
"""

import os
from typing import Any

from ministack.core import lambda_runtime

SETTLE_S = float(os.environ.get("HARNESS_MINISTACK_LOG_SETTLE_MS", "0.5")) / 1000
FIRST_LINE_S = float(os.environ.get("HARNESS_MINISTACK_LOG_FIRST_LINE_MS", "5")) / 1000
_original_drain = lambda_runtime.Worker._drain_stderr_bounded


def _drain_with_tuned_windows(
    self: Any, first_line_wait: float = FIRST_LINE_S, idle_confirm: float = SETTLE_S, hard_cap: float = 0.250
) -> str:
    return _original_drain(self, first_line_wait=first_line_wait, idle_confirm=idle_confirm, hard_cap=hard_cap)


def install() -> None:
    lambda_runtime.Worker._drain_stderr_bounded = _drain_with_tuned_windows


if __name__ == "__main__":
    install()
    from ministack.app import main

    main()
