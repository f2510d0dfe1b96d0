"""Each ensure_<resource> is idempotent and creates only on the specific not-found code (moto)."""

import io

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from bootstrap import iam, table, usage
from bootstrap.api import Throttle, ensure_resource, ensure_rest_api
from bootstrap.report import Outcome

pytestmark = pytest.mark.unit
TAGS = {"harness:stack": "unit"}


@pytest.fixture
def aws(aws_env):
    with mock_aws():
        yield lambda service: boto3.client(service, region_name="us-east-1")


def test_ensure_table__creates_once_then_unchanged(aws):
    described, outcome = table.ensure_table(aws("dynamodb"), "t1", TAGS)
    assert outcome is Outcome.CREATED and described["TableStatus"] == "ACTIVE"
    assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table.ensure_table(aws("dynamodb"), "t1", TAGS)[1] is Outcome.UNCHANGED
    backups = aws("dynamodb").describe_continuous_backups(TableName="t1")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_delete_table__absent_is_not_an_error(aws):
    assert table.delete_table(aws("dynamodb"), "never-made")[1] is Outcome.ABSENT


def test_ensure_role__repairs_a_widened_policy(aws):
    policy = iam.execution_policy("arn:aws:dynamodb:us-east-1:123456789012:table/t1", "arn:aws:logs:x")
    assert iam.ensure_role(aws("iam"), "r1", "p1", policy, TAGS)[1] is Outcome.CREATED
    assert iam.ensure_role(aws("iam"), "r1", "p1", policy, TAGS)[1] is Outcome.UNCHANGED
    # GIVEN someone widened the policy by hand
    aws("iam").put_role_policy(
        RoleName="r1",
        PolicyName="p1",
        PolicyDocument='{"Version": "2012-10-17", '
        '"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}',
    )
    # THEN up puts it back
    assert iam.ensure_role(aws("iam"), "r1", "p1", policy, TAGS)[1] is Outcome.UPDATED
    assert iam.read_inline_policy(aws("iam"), "r1", "p1") == policy


def test_execution_policy__is_scoped_to_the_table_and_log_group():
    policy = iam.execution_policy("arn:aws:dynamodb:r:1:table/t", "arn:aws:logs:r:1:log-group:/aws/lambda/f")
    actions = [action for statement in policy["Statement"] for action in statement["Action"]]
    assert "dynamodb:Query" not in actions and not any(action.endswith("*") for action in actions)
    assert [s["Resource"] for s in policy["Statement"]] == [
        "arn:aws:dynamodb:r:1:table/t",
        "arn:aws:logs:r:1:log-group:/aws/lambda/f:*",
    ]


def test_rest_api_resource_key_and_plan__idempotent(aws):
    apigw = aws("apigateway")
    rest_api, outcome = ensure_rest_api(apigw, "api1", TAGS)
    assert outcome is Outcome.CREATED
    again, outcome = ensure_rest_api(apigw, "api1", TAGS)
    assert (again["id"], outcome) == (rest_api["id"], Outcome.UNCHANGED)
    assert ensure_resource(apigw, rest_api["id"])[1] is Outcome.CREATED
    assert ensure_resource(apigw, rest_api["id"])[1] is Outcome.UNCHANGED
    key, outcome = usage.ensure_api_key(apigw, "k1", TAGS)
    assert outcome is Outcome.CREATED and usage.ensure_api_key(apigw, "k1", TAGS)[1] is Outcome.UNCHANGED
    spec = usage.PlanSpec("plan1", rest_api["id"], "dev", Throttle(5.0, 10), 1000)
    assert usage.ensure_usage_plan(apigw, spec, key["id"], TAGS)[1] is Outcome.CREATED
    assert usage.ensure_usage_plan(apigw, spec, key["id"], TAGS)[1] is Outcome.UNCHANGED
    tighter = usage.PlanSpec("plan1", rest_api["id"], "dev", Throttle(1.0, 2), 10)
    assert usage.ensure_usage_plan(apigw, tighter, key["id"], TAGS)[1] is Outcome.UPDATED
    plan = usage.find_usage_plans(apigw, "plan1")[0]
    assert usage.delete_usage_plan(apigw, plan)[1] is Outcome.DELETED
    assert usage.find_usage_plans(apigw, "plan1") == []
    assert usage.delete_usage_plan(apigw, plan)[1] is Outcome.ABSENT


def test_progress__prints_one_line_per_resource():
    from bootstrap.report import Progress

    stream = io.StringIO()
    Progress(stream).step("table", "t1", lambda: (None, Outcome.UNCHANGED))
    assert stream.getvalue().split()[:3] == ["table", "t1", "unchanged"]


def test_ensure_api_key__a_disabled_key_is_enabled_and_comes_back_with_its_value(aws_env):
    # GIVEN the stack's key, disabled, and an UpdateApiKey answer without the value (as LocalStack's)
    apigw = boto3.client("apigateway", region_name="us-east-1")
    listed = {"nameQuery": "k2", "includeValues": True}
    with Stubber(apigw) as stub:
        stub.add_response(
            "get_api_keys", {"items": [{"id": "k", "name": "k2", "enabled": False, "value": "v"}]}, listed
        )
        stub.add_response("update_api_key", {"id": "k", "name": "k2", "enabled": True})
        # THEN the key is read back by its id, with its value
        stub.add_response(
            "get_api_key",
            {"id": "k", "name": "k2", "enabled": True, "value": "v"},
            {"apiKey": "k", "includeValue": True},
        )
        # WHEN up ensures it
        key, outcome = usage.ensure_api_key(apigw, "k2", TAGS)
    # AND it is enabled, with its value there for the outputs
    assert (outcome, key["enabled"], key["value"]) == (Outcome.UPDATED, True, "v")
