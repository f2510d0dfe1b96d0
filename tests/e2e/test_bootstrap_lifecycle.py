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
from bootstrap import stage as stage_module
from bootstrap import table as table_module
from bootstrap import usage as usage_module
from bootstrap.report import Outcome, Progress
from bootstrap.settings import Settings
from harness_cli import lifecycle
from tests.support.polling import api_after_up

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
    lifecycle.up(second_stack, first)
    assert set(first.outcomes.values()) == {Outcome.CREATED}
    # WHEN up runs again
    again = Progress(io.StringIO())
    outputs = lifecycle.up(second_stack, again)
    # THEN every resource reports unchanged, and the outputs name the same API
    assert again.outcomes and set(again.outcomes.values()) == {Outcome.UNCHANGED}, again.outcomes
    assert outputs["rest_api_id"] in outputs["api_url"]
    assert "unchanged" in again.stream.getvalue()
    if outputs["target"] != "aws":  # only AWS needs waiting for: emulators are not probed
        assert " ready " not in first.stream.getvalue() + again.stream.getvalue()


def test_down__leaves_nothing(second_stack, clients):
    lifecycle.up(second_stack, Progress(io.StringIO()))
    assert all(resources_left(clients, second_stack.names).values())
    lifecycle.down(second_stack, Progress(io.StringIO()))
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
        lifecycle.up(second_stack, Progress(io.StringIO()))
    monkeypatch.undo()
    # WHEN up runs again
    converged = lifecycle.up(second_stack, Progress(io.StringIO()))
    # THEN the stack works, and a third run finds nothing left to do (nothing was duplicated)
    assert api_after_up(converged).call({"operation": "ping"}) == "pong"
    third = Progress(io.StringIO())
    lifecycle.up(second_stack, third)
    assert set(third.outcomes.values()) == {Outcome.UNCHANGED}, third.outcomes


def test_up_interrupted_after_a_method_change__next_up_redeploys(second_stack, clients, monkeypatch):
    # GIVEN a stack whose stage serves a deployment made by hand of a method that needs no key (as a stage
    # left behind by an older harness, or by an up that died before deploying, would)
    outputs = lifecycle.up(second_stack, Progress(io.StringIO()))
    apigw, api_id, stage = clients("apigateway"), outputs["rest_api_id"], second_stack.stage
    resource = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] != "/")
    method = {"restApiId": api_id, "resourceId": resource["id"], "httpMethod": "POST"}
    apigw.update_method(**method, patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "false"}])
    by_hand = apigw.create_deployment(restApiId=api_id, description="by hand")["id"]
    patch = [{"op": "replace", "path": "/deploymentId", "value": by_hand}]
    apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=patch)
    # AND an up that puts the method right, then dies before the stage step
    real = api_module.ensure_method

    def crash_after(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt("simulated kill after ensure_method")

    monkeypatch.setattr(api_module, "ensure_method", crash_after)
    with pytest.raises(KeyboardInterrupt):
        lifecycle.up(second_stack, Progress(io.StringIO()))
    monkeypatch.undo()
    # WHEN up runs again, finding the method as it should be
    rerun = Progress(io.StringIO())
    converged = lifecycle.up(second_stack, rerun)
    # THEN it deploys all the same: the stage no longer serves the deployment made by hand, and a key is needed
    assert (rerun.outcomes["method"], rerun.outcomes["stage"]) == (Outcome.UNCHANGED, Outcome.UPDATED)
    serving = apigw.get_stage(restApiId=api_id, stageName=stage)["deploymentId"]
    assert serving != by_hand
    assert apigw.get_deployment(restApiId=api_id, deploymentId=serving)["description"].startswith("harness up; method ")
    api = api_after_up(converged)
    assert api.post({"operation": "ping"}, key=None).status_code == 403
    assert api.call({"operation": "ping"}) == "pong"
