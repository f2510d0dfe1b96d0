"""The real bootstrap against the session's target: idempotent up, complete down, interrupted up converges.

These use a second stack (its own name and state folder) on the same target, so the session's stack is
untouched.
"""

import io
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bootstrap import api as api_module
from bootstrap import stack
from bootstrap.report import Outcome, Progress
from bootstrap.settings import EMBEDDED, ENDPOINT, Settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_stack(settings: Settings, outputs, tmp_path) -> Iterator[Settings]:
    target = ENDPOINT if settings.target == EMBEDDED else settings.target
    other = replace(
        settings,
        target=target,
        endpoint_url=outputs["endpoint_url"],
        stack_name=f"e2e-{uuid.uuid4().hex[:8]}",
        state_dir=tmp_path / "state",
    )
    try:
        yield other
    finally:
        stack.down(other, Progress(io.StringIO()))


def resources_left(clients, names) -> dict[str, list[str]]:
    """Everything of the stack that list calls on the target can still see."""
    apigw = clients("apigateway")
    return {
        "tables": [t for t in clients("dynamodb").list_tables()["TableNames"] if t == names.table],
        "functions": [
            f["FunctionName"]
            for f in clients("lambda").list_functions()["Functions"]
            if f["FunctionName"] == names.function
        ],
        "roles": [r["RoleName"] for r in clients("iam").list_roles()["Roles"] if r["RoleName"] == names.role],
        "rest_apis": [a["name"] for a in apigw.get_rest_apis()["items"] if a["name"] == names.rest_api],
        "api_keys": [k["name"] for k in apigw.get_api_keys()["items"] if k["name"] == names.api_key],
        "usage_plans": [p["name"] for p in apigw.get_usage_plans()["items"] if p["name"] == names.usage_plan],
        "log_groups": [
            g["logGroupName"]
            for g in clients("logs").describe_log_groups()["logGroups"]
            if g["logGroupName"] == f"/aws/lambda/{names.function}"
        ],
    }


def test_up_twice__second_run_changes_nothing(second_stack):
    # GIVEN a stack that is up
    first = Progress(io.StringIO())
    stack.up(second_stack, first)
    assert set(first.outcomes.values()) == {Outcome.CREATED}
    # WHEN up runs again
    again = Progress(io.StringIO())
    outputs = stack.up(second_stack, again)
    # THEN every resource reports unchanged, and the outputs name the same API
    assert again.outcomes and set(again.outcomes.values()) == {Outcome.UNCHANGED}, again.outcomes
    assert outputs["rest_api_id"] in outputs["api_url"]
    assert "unchanged" in again.stream.getvalue()


def test_down__leaves_nothing(second_stack, clients):
    stack.up(second_stack, Progress(io.StringIO()))
    assert all(resources_left(clients, second_stack.names).values())
    stack.down(second_stack, Progress(io.StringIO()))
    assert resources_left(clients, second_stack.names) == {
        key: [] for key in resources_left(clients, second_stack.names)
    }
    assert not second_stack.outputs_path.exists()


def test_interrupted_up__converges_when_rerun(second_stack, monkeypatch, outputs):
    # GIVEN an up that dies after the function exists but before the API is deployed
    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt("simulated crash before the stage is deployed")

    monkeypatch.setattr(api_module, "ensure_stage", crash)
    with pytest.raises(KeyboardInterrupt):
        stack.up(second_stack, Progress(io.StringIO()))
    monkeypatch.undo()
    # WHEN up runs again
    rerun = Progress(io.StringIO())
    converged = stack.up(second_stack, rerun)
    # THEN what existed is reused, what was missing is created, and the API answers
    assert rerun.outcomes["function"] is Outcome.UNCHANGED
    assert rerun.outcomes["stage"] is Outcome.CREATED
    from tests.support import Api

    assert Api(converged["api_url"], converged["api_key"]).call({"operation": "ping"}) == "pong"
