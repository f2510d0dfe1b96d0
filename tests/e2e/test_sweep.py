"""`sweep` on the session's target: a stack is found by its tags and taken down, and the extra stacks the suite
makes are named under the session's stack, so a sweep of the session's prefix finds what a cancelled run left."""

import io
from datetime import timedelta

import pytest

from bootstrap import sweep
from bootstrap.clients import Clients
from bootstrap.report import Progress
from harness_cli import lifecycle
from tests.e2e.test_bootstrap_lifecycle import resources_left

pytestmark = pytest.mark.e2e


def test_sweep__takes_down_a_stale_stack_found_by_its_tags(stack_factory, settings, clients, backend, capsys):
    # GIVEN an extra stack that is up, named under the session's stack
    extra = stack_factory()
    assert extra.stack_name.startswith(f"{settings.stack_name}-")
    lifecycle.up(extra, Progress())
    extra_clients = Clients(extra)
    assert extra.stack_name in sweep.find_stacks(extra_clients)
    # WHEN sweep runs for its name, with no minimum age
    target = lifecycle.resolve(extra, Progress(io.StringIO()))
    failures = sweep.sweep(target, prefix=extra.stack_name, older_than=timedelta(0))
    # THEN it is gone, and nothing else was touched
    assert failures == []
    assert extra.stack_name not in sweep.find_stacks(extra_clients)
    assert all(found == [] for found in resources_left(clients, extra.names).values())
    out = capsys.readouterr().out
    assert "sweep: 1 stale stack(s)" in out
    if backend == "ministack":  # it has the Resource Groups Tagging API: no fallback
        assert "no Resource Groups Tagging API" not in out
