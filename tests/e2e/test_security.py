"""Security through the real stack: keys, IAM enforcement of the function's role, nothing secret logged."""

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from bootstrap import iam
from local_runtime import logs
from local_runtime.processes import clean_environment
from tests.support.polling import poll

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def role_session(clients, outputs):
    """A DynamoDB client acting as the function's own role (the credentials Lambda gives the handler). Emulators
    let the caller assume it; on AWS the IAM policy simulator checks the role instead (tests/aws)."""
    sts = clients("sts")
    credentials = sts.assume_role(RoleArn=outputs["role_arn"], RoleSessionName="least-privilege-probe")["Credentials"]
    return clients(
        "dynamodb",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture(scope="module")
def other_table(clients):
    name = f"someone-elses-{uuid.uuid4().hex[:8]}"
    dynamodb = clients("dynamodb")
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    dynamodb.delete_table(TableName=name)


@pytest.mark.needs("emulator")
def test_role__uses_its_own_table(role_session, outputs):
    role_session.put_item(TableName=outputs["table_name"], Item={"id": {"S": f"role-{uuid.uuid4()}"}})


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda d, own, other: d.get_item(TableName=other, Key={"id": {"S": "x"}}), id="read-other-table"),
        pytest.param(
            lambda d, own, other: d.put_item(TableName=other, Item={"id": {"S": "x"}}), id="write-other-table"
        ),
        # Harmless if an emulator wrongly allows it (a DeleteTable would take the session's table with it).
        pytest.param(lambda d, own, other: d.describe_table(TableName=own), id="describe-own-table-not-granted"),
        pytest.param(
            lambda d, own, other: d.query(
                TableName=own, KeyConditionExpression="id = :i", ExpressionAttributeValues={":i": {"S": "x"}}
            ),
            id="query-not-granted",
        ),
    ],
)
@pytest.mark.aws_behaviour("role-denied")
@pytest.mark.needs("emulator", "iam_enforced")
def test_role__is_denied_everything_else(role_session, outputs, other_table, call):
    with pytest.raises(ClientError) as denied:
        call(role_session, outputs["table_name"], other_table)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_policy_document__least_privilege_statically(outputs):
    policy = iam.execution_policy(
        f"arn:aws:dynamodb:{outputs['region']}:{outputs['account_id']}:table/{outputs['table_name']}",
        f"arn:aws:logs:{outputs['region']}:{outputs['account_id']}:log-group:/aws/lambda/{outputs['function_name']}",
    )
    text = json.dumps(policy)
    assert '"*"' not in text and "FullAccess" not in text and "dynamodb:*" not in text


@pytest.mark.aws_behaviour("api-key-disabled")
def test_disabled_api_key__403(clients, outputs, api, backend):
    settle_s = 120 if backend == "aws" else 5  # AWS propagates key changes in seconds; emulators at once
    apigw = clients("apigateway")
    key_id = next(k["id"] for k in apigw.get_api_keys(includeValues=True)["items"] if k["value"] == outputs["api_key"])
    apigw.update_api_key(apiKey=key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
    try:
        status = poll(
            lambda: api.post({"operation": "ping"}).status_code,
            accept=lambda s: s == 403,
            timeout=settle_s,
            interval=0.5,
        )
        assert status == 403
    finally:
        apigw.update_api_key(apiKey=key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"}])
    poll(lambda: api.post({"operation": "ping"}).status_code, accept=lambda s: s == 200, timeout=settle_s, interval=0.5)


@pytest.mark.needs("emulator_log")
def test_no_secret_in_logs(api, clients, outputs, emulator_log):
    # GIVEN a request carrying the API key, whose answer names its invocation (a read of a missing item: 404)
    started_ms = int(time.time() * 1000) - 1000
    response = api.post({"operation": "read", "payload": {"Key": {"id": f"secret-probe-{uuid.uuid4()}"}}})
    assert response.status_code == 404, response.text
    request_id = response.json()["error"]["requestId"]
    # WHEN its invocation's log lines have arrived (asynchronously: polled), so an empty log cannot pass
    group = f"/aws/lambda/{outputs['function_name']}"
    lines = poll(
        lambda: [event["message"] for event in logs.events(clients("logs"), group, started_ms)],
        accept=lambda found: any(request_id in line and "request done" in line for line in found),
        timeout=30,
    )
    # THEN the key is in neither the function's log nor the emulator's
    assert all(outputs["api_key"] not in line for line in lines), lines
    assert outputs["api_key"] not in emulator_log()
    environment = clean_environment({})
    assert environment["AWS_ACCESS_KEY_ID"] == "test" and "AWS_SESSION_TOKEN" not in environment
