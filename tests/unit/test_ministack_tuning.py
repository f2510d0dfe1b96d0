"""The tuned MiniStack start patches one private method: fail loudly if an upgrade moves it."""

import inspect

import pytest
from ministack.core import lambda_runtime

from bootstrap.emulators import ministack_tuned

pytestmark = pytest.mark.unit


def test_patched_method__still_has_the_windows_we_tune():
    parameters = inspect.signature(ministack_tuned._original_drain).parameters
    assert {"first_line_wait", "idle_confirm", "hard_cap"} <= set(parameters)
    assert parameters["idle_confirm"].default == 0.005  # MiniStack's own value, which the README quotes


def test_install__replaces_the_drain_with_the_tuned_windows():
    original = lambda_runtime.Worker._drain_stderr_bounded
    try:
        ministack_tuned.install()
        tuned = inspect.signature(lambda_runtime.Worker._drain_stderr_bounded).parameters
        assert tuned["idle_confirm"].default == ministack_tuned.SETTLE_S
    finally:
        lambda_runtime.Worker._drain_stderr_bounded = original
