"""One bounded retry for what AWS refuses for a while after a change (and emulators never do, at no cost)."""

import time
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import ClientError

from bootstrap.aws_errors import error_code

T = TypeVar("T")


def retry_on_codes(
    action: Callable[[], T],
    codes: tuple[str, ...],
    what: str,
    timeout: float,
    first_delay: float = 1.0,
    max_delay: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``action()``, retried with exponential backoff while it fails with one of ``codes``, for ``timeout`` s.

    Any other error is raised at once. At the deadline, a ``RuntimeError`` names ``what`` was waited for and
    the last error code. The first try is immediate, so a target that never refuses costs nothing.
    """
    deadline, delay = time.monotonic() + timeout, first_delay
    while True:
        try:
            return action()
        except ClientError as error:
            if error_code(error) not in codes:
                raise
            if time.monotonic() + delay > deadline:
                raise RuntimeError(
                    f"{what}: still {error_code(error)} after {timeout:.0f} s ({error}); re-run to continue"
                ) from error
        sleep(delay)
        delay = min(delay * 2, max_delay)
