"""Checks that only a real account can answer. Run with `tox -e aws` (HARNESS_TARGET=aws); never by default.

Expected cost: one on-demand table, one function, a REST API and a few hundred requests: cents.
"""

import re
import uuid

import pytest

from bootstrap import partition
from tests.support.polling import poll

pytestmark = pytest.mark.aws


def test_invoke_url__is_the_execute_api_host_of_the_partition(outputs):
    host = re.escape(partition.execute_api_host(outputs["region"]))
    pattern = rf"^https://{outputs['rest_api_id']}\.{host}/{outputs['stage']}/DynamoDBManager$"
    assert re.match(pattern, outputs["api_url"])


def test_unknown_route__missing_authentication_token(api, outputs):
    response = api.session.post(outputs["api_url"].rsplit("/", 1)[0] + "/NoSuchResource", json={}, timeout=30)
    assert response.status_code == 403
    assert response.json()["message"] == "Missing Authentication Token"


def test_role__cannot_touch_another_table(clients, outputs):
    # IAM's policy simulator evaluates the role's real policies: another table is an implicit deny.
    other = f"arn:{outputs['partition']}:dynamodb:{outputs['region']}:{outputs['account_id']}:table/someone-elses-table"
    results = clients("iam").simulate_principal_policy(
        PolicySourceArn=outputs["role_arn"],
        ActionNames=["dynamodb:GetItem", "dynamodb:DeleteTable"],
        ResourceArns=[other],
    )["EvaluationResults"]
    assert {result["EvalDecision"] for result in results} == {"implicitDeny"}


def test_role__may_use_its_own_table(clients, outputs):
    table_arn = clients("dynamodb").describe_table(TableName=outputs["table_name"])["Table"]["TableArn"]
    results = clients("iam").simulate_principal_policy(
        PolicySourceArn=outputs["role_arn"],
        ActionNames=["dynamodb:GetItem", "dynamodb:PutItem"],
        ResourceArns=[table_arn],
    )["EvaluationResults"]
    assert {result["EvalDecision"] for result in results} == {"allowed"}


def test_table__point_in_time_recovery_and_on_demand(clients, outputs):
    dynamodb = clients("dynamodb")
    table = dynamodb.describe_table(TableName=outputs["table_name"])["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    backups = dynamodb.describe_continuous_backups(TableName=outputs["table_name"])["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_disabled_api_key__403_until_enabled_again(api, clients, outputs):
    apigw = clients("apigateway")
    key_id = next(k["id"] for k in apigw.get_api_keys(nameQuery=f"{outputs['stack_name']}-key")["items"])
    apigw.update_api_key(apiKey=key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
    try:
        poll(lambda: api.post({"operation": "ping"}).status_code, accept=lambda s: s == 403, timeout=120, interval=3)
    finally:
        apigw.update_api_key(apiKey=key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"}])
    poll(lambda: api.post({"operation": "ping"}).status_code, accept=lambda s: s == 200, timeout=120, interval=3)


def test_logs__carry_the_request_and_no_secret(api, clients, outputs):
    marker = f"log-{uuid.uuid4()}"
    api.call({"operation": "create", "payload": {"Item": {"id": marker}}})
    group = f"/aws/lambda/{outputs['function_name']}"
    events = poll(
        lambda: clients("logs").filter_log_events(logGroupName=group, filterPattern='"request done"')["events"],
        accept=bool,
        timeout=120,
        interval=5,
    )
    text = "\n".join(event["message"] for event in events)
    assert '"function_request_id"' in text
    assert outputs["api_key"] not in text
