"""The real bootstrap against the session's target: idempotent up, complete down, interrupted up converges.

These use a second stack (its own name and state folder) on the same target, so the session's stack is
untouched.
"""

import io

import pytest

from bootstrap import api as api_module
from bootstrap import function as function_module
from bootstrap import iam as iam_module
from bootstrap import log_group as log_group_module
from bootstrap import stack
from bootstrap import stage as stage_module
from bootstrap import table as table_module
from bootstrap import usage as usage_module
from bootstrap.report import Outcome, Progress
from bootstrap.settings import Settings
from tests.support import Api

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_stack(stack_factory) -> Settings:
    return stack_factory()


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


# Every step of `up`, in order: (module, function). The test kills `up` right after each one.
STEPS = [
    (table_module, "ensure_table"),
    (log_group_module, "ensure_log_group"),
    (iam_module, "ensure_role"),
    (function_module, "ensure_function"),
    (api_module, "ensure_rest_api"),
    (api_module, "ensure_resource"),
    (api_module, "ensure_method"),
    (api_module, "ensure_invoke_permission"),
    (stage_module, "ensure_stage"),
    (usage_module, "ensure_api_key"),
    (usage_module, "ensure_usage_plan"),
]


@pytest.mark.parametrize(("module", "step"), STEPS, ids=[step for _, step in STEPS])
def test_interrupted_up__converges_when_rerun(second_stack, monkeypatch, module, step):
    # GIVEN an up that dies right after this step did its work (the worst moment: done, not recorded)
    real = getattr(module, step)

    def crash_after(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt(f"simulated kill after {step}")

    monkeypatch.setattr(module, step, crash_after)
    with pytest.raises(KeyboardInterrupt):
        stack.up(second_stack, Progress(io.StringIO()))
    monkeypatch.undo()
    # WHEN up runs again
    converged = stack.up(second_stack, Progress(io.StringIO()))
    # THEN the stack works, and a third run finds nothing left to do (nothing was duplicated)
    assert Api(converged["api_url"], converged["api_key"]).call({"operation": "ping"}) == "pong"
    third = Progress(io.StringIO())
    stack.up(second_stack, third)
    assert set(third.outcomes.values()) == {Outcome.UNCHANGED}, third.outcomes
