"""Where an emulator is known to differ from AWS: the test keeps asserting AWS's behaviour and is expected to fail."""

from typing import Any

import pytest


def mark_gap(request: Any, backend: str, gaps: dict[str, str]) -> None:
    """Where ``backend`` is known to differ from AWS, expect this test to fail (strictly), naming the gap.

    The test keeps asserting AWS's behaviour: AWS is right, the gap is the emulator's.
    """
    if backend in gaps:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"{backend} gap: {gaps[backend]}"))
