"""Issue 14, point 13: fixtures/deployer-policy.json grants exactly the IAM actions `up`, `down` and `sweep` need.

Every call the bootstrap's clients make is recorded (a before-parameter-build hook) while, on moto, a stack is
adopted, brought up, put right after drifting in every way `up` repairs, taken down, and swept; each call is
mapped to the IAM actions it needs. The test fails if the policy lacks one, or grants one never needed.
"""

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore.handlers
import pytest

from bootstrap import package, sweep
from bootstrap.clients import Clients
from bootstrap.iam import HANDLER_DYNAMODB_ACTIONS, LOG_ACTIONS, ROLE_PATH, TRUST_POLICY
from bootstrap.report import Progress
from bootstrap.settings import AWS, Settings
from harness_cli import lifecycle
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.unit
POLICY = FIXTURES / "deployer-policy.json"
BOUNDARY = FIXTURES / "role-boundary-policy.json"
# Granted for what no boto3 client calls, so no recording sees: the readiness probe of an AWS_IAM method
# (`up --authorization iam`) signs its own HTTP request with the deployer's credentials.
NOT_A_CLIENT_CALL = {"execute-api:Invoke"}
PREFIX = {"tagging": "tag"}  # signing name -> IAM prefix, where they differ
NO_PERMISSION = {"sts:GetCallerIdentity"}  # allowed to every identity, whatever its policies
# Tags given at creation need the tagging action too; a role handed to a function needs iam:PassRole.
TAG_ON_CREATE = {
    "dynamodb:CreateTable": "dynamodb:TagResource",
    "logs:CreateLogGroup": "logs:TagResource",
    "iam:CreateRole": "iam:TagRole",
    "lambda:CreateFunction": "lambda:TagResource",
}


def iam_actions(service: str, operation: Any, params: dict[str, Any]) -> set[str]:
    """The IAM actions one API call needs."""
    if service == "apigateway":  # API Gateway's control plane is authorized by HTTP method
        return {f"apigateway:{operation.http['method']}"} | ({"apigateway:PUT"} if params.get("tags") else set())
    action = f"{PREFIX.get(service, service)}:{operation.name}"
    needed = {action} - NO_PERMISSION
    if action in TAG_ON_CREATE and (params.get("Tags") or params.get("tags")):
        needed.add(TAG_ON_CREATE[action])
    if service == "lambda" and "Role" in params:
        needed.add("iam:PassRole")
    return needed


class Recorder:
    """The IAM actions of every call the clients make while ``on``."""

    def __init__(self) -> None:
        self.actions: set[str] = set()
        self.on = False

    def __call__(self, model: Any, params: dict[str, Any], **_kwargs: Any) -> None:
        if self.on:
            self.actions |= iam_actions(model.service_model.signing_name, model, params)


@pytest.fixture
def recorder(moto_aws, monkeypatch) -> Recorder:
    recorder = Recorder()
    hook = ("before-parameter-build", recorder)
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, hook])
    return recorder


def drift(settings: Settings, outputs: dict[str, Any]) -> None:
    """Change by hand everything `up` puts back (and attach a managed policy, which `down` detaches)."""
    clients, names = Clients(settings), settings.names
    iam, functions, apigw = clients("iam"), clients("lambda"), clients("apigateway")
    wider = {
        **TRUST_POLICY,
        "Statement": [{**TRUST_POLICY["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com"}}],
    }
    iam.update_assume_role_policy(RoleName=names.role, PolicyDocument=json.dumps(wider))
    iam.delete_role_permissions_boundary(RoleName=names.role)
    extra = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    arn = iam.create_policy(PolicyName="added-by-hand", PolicyDocument=extra)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=names.role, PolicyArn=arn)
    iam.delete_role_policy(RoleName=names.role, PolicyName=names.policy)
    functions.update_function_configuration(FunctionName=names.function, MemorySize=512)
    functions.update_function_code(FunctionName=names.function, ZipFile=package.build_zip() + b"\0")
    statement = f"apigateway-invoke-{outputs['rest_api_id']}"
    functions.remove_permission(FunctionName=names.function, StatementId=statement)
    functions.add_permission(
        FunctionName=names.function,
        StatementId=statement,
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn="arn:aws:execute-api:us-east-1:123456789012:other/*",
    )
    key = apigw.get_api_keys(nameQuery=names.api_key)["items"][0]
    apigw.update_api_key(apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
    clients("logs").put_retention_policy(logGroupName=f"/aws/lambda/{names.function}", retentionInDays=1)


def test_deployer_policy__grants_exactly_what_up_down_and_sweep_call(recorder, tmp_path):
    # GIVEN the roles' permissions boundary, and an untagged table of the stack's name (so `up --adopt` tags it)
    boundary = Clients(Settings(target=AWS))("iam").create_policy(
        PolicyName="dynamodb-manager-harness-boundary", PolicyDocument=BOUNDARY.read_text()
    )["Policy"]["Arn"]
    settings = Settings(target=AWS, stack_name="ci-policy-1", state_dir=tmp_path, permissions_boundary=boundary)
    Clients(settings)("dynamodb").create_table(
        TableName=settings.names.table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # WHEN the stack is adopted and brought up, drifts (not recorded), is put right, taken down, brought up again
    # and swept
    recorder.on = True
    outputs = lifecycle.up(settings, Progress(io.StringIO()), adopt=True)
    recorder.on = False
    drift(settings, outputs)
    recorder.on = True
    lifecycle.up(settings, Progress(io.StringIO()))
    role = Clients(settings)("iam").get_role(RoleName=settings.names.role)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary  # put back after drifting
    lifecycle.down(settings, Progress(io.StringIO()))
    lifecycle.up(settings, Progress(io.StringIO()))
    target = lifecycle.resolve(settings, Progress(io.StringIO()))
    assert sweep.sweep(target, "ci-policy-", older_than=timedelta(0)) == []
    # THEN the policy grants exactly the actions those calls need
    statements = json.loads(POLICY.read_text())["Statement"]
    granted = {action for statement in statements for action in statement["Action"]} - NOT_A_CLIENT_CALL
    assert sorted(recorder.actions - granted) == [], "missing from fixtures/deployer-policy.json"
    assert sorted(granted - recorder.actions) == [], "granted in fixtures/deployer-policy.json, never needed"


def _statements(path: Path) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(path.read_text())["Statement"]
    return statements


def _resources(statement: dict[str, Any]) -> list[str]:
    resource = statement["Resource"]
    return [resource] if isinstance(resource, str) else resource


# Where "*" stays, and why: AWS has no narrower resource for these actions.
STAR_ALLOWED = {
    "SweepFindsStacksByTag": "tag:GetResources has no resource-level permissions",
    "ListLogGroups": "logs:DescribeLogGroups lists every log group of the account and region",
}
# The IAM actions that give a role its permissions: only with the boundary attached.
ROLE_PERMISSION_ACTIONS = {
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
}


def test_deployer_policy__scoped_to_the_stack_s_names_and_roles_capped_by_the_boundary():
    statements = _statements(POLICY)
    # "*" only where AWS allows nothing narrower
    assert {s["Sid"] for s in statements if "*" in _resources(s)} == set(STAR_ALLOWED)
    for statement in statements:
        actions = set(statement["Action"])
        services = {action.split(":")[0] for action in actions}
        # IAM: only roles under the harness's path (no existing role can be moved there); Lambda: the functions' names
        if services & {"iam", "lambda"}:
            assert all(r.endswith(f":role{ROLE_PATH}*") or ":function:" in r for r in _resources(statement)), statement[
                "Sid"
            ]
        # a role gets permissions only together with the harness's boundary; the boundary is never removed
        if actions & ROLE_PERMISSION_ACTIONS:
            assert statement["Condition"]["StringLike"]["iam:PermissionsBoundary"].endswith(
                ":policy/dynamodb-manager-harness-boundary"
            ), statement["Sid"]
        assert "iam:DeleteRolePermissionsBoundary" not in actions and "iam:*" not in actions
        if "iam:PassRole" in actions:
            assert statement["Condition"]["StringEquals"]["iam:PassedToService"] == "lambda.amazonaws.com"


def test_role_boundary__allows_every_action_the_execution_policy_grants_and_nothing_else():
    granted = {action for statement in _statements(BOUNDARY) for action in statement["Action"]}
    assert granted == set(HANDLER_DYNAMODB_ACTIONS) | set(LOG_ACTIONS)
