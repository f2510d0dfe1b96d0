"""The LocalStack extension's pure parts: IAM policy evaluation, what a request asks for, request limits."""

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from bootstrap import iam
from local_runtime.localstack.executor.harness_lambda_executor import enforcement, throttling
from local_runtime.localstack.executor.harness_lambda_executor.enforcement import Decision

pytestmark = pytest.mark.unit

TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/DynamoDBManager-dev"
LOG_GROUP_ARN = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/DynamoDBManager-dev"
SESSION = "arn:aws:sts::000000000000:assumed-role/DynamoDBManager-role/DynamoDBManager-dev"


def _statements(*statements: dict) -> tuple:
    return enforcement.parse_document(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


@pytest.fixture(scope="module")
def role_policy() -> tuple:
    """The project's own execution policy, URL-quoted as LocalStack's IAM stores it."""
    return enforcement.parse_document(quote(json.dumps(iam.execution_policy(TABLE_ARN, LOG_GROUP_ARN))))


@pytest.mark.parametrize("action", iam.HANDLER_DYNAMODB_ACTIONS)
def test_evaluate__the_handlers_actions_on_its_table__allowed(role_policy, action):
    assert enforcement.evaluate(role_policy, action, TABLE_ARN) is Decision.ALLOW


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:000000000000:table/someone-elses"),
        ("dynamodb:PutItem", f"{TABLE_ARN}-copy"),  # a prefix is not a match
        ("dynamodb:Query", TABLE_ARN),
        ("dynamodb:DescribeTable", TABLE_ARN),
        ("dynamodb:DeleteTable", TABLE_ARN),
        ("dynamodb:GetItem", f"{TABLE_ARN}/index/by-name"),
    ],
)
def test_evaluate__anything_else__implicitly_denied(role_policy, action, resource):
    assert enforcement.evaluate(role_policy, action, resource) is Decision.IMPLICIT_DENY


def test_evaluate__log_streams_of_its_group__allowed(role_policy):
    stream = f"{LOG_GROUP_ARN}:log-stream:2026/01/01/[$LATEST]abc"
    assert enforcement.evaluate(role_policy, "logs:PutLogEvents", stream) is Decision.ALLOW


def test_evaluate__wildcards_in_action_and_resource__case_rules():
    statements = _statements(
        {"Effect": "Allow", "Action": "DynamoDB:Get*", "Resource": "arn:aws:dynamodb:*:*:table/T?"}
    )
    assert (
        enforcement.evaluate(statements, "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:1:table/T1") is Decision.ALLOW
    )
    assert (
        enforcement.evaluate(statements, "dynamodb:getitem", "arn:aws:dynamodb:eu-west-1:1:table/T1") is Decision.ALLOW
    )
    assert enforcement.evaluate(statements, "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:1:table/t1") is (
        Decision.IMPLICIT_DENY
    )
    assert enforcement.evaluate(statements, "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:1:table/T12") is (
        Decision.IMPLICIT_DENY
    )


def test_evaluate__explicit_deny_wins_over_any_allow():
    statements = _statements(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["dynamodb:Delete*"], "Resource": TABLE_ARN},
    )
    assert enforcement.evaluate(statements, "dynamodb:DeleteItem", TABLE_ARN) is Decision.EXPLICIT_DENY
    assert enforcement.evaluate(statements, "dynamodb:PutItem", TABLE_ARN) is Decision.ALLOW


def test_evaluate__not_action_and_not_resource():
    statements = _statements(
        {"Effect": "Allow", "NotAction": "dynamodb:DeleteTable", "Resource": TABLE_ARN},
        {"Effect": "Deny", "Action": "dynamodb:*", "NotResource": [TABLE_ARN, "arn:aws:dynamodb:*:*:table/ok"]},
    )
    assert enforcement.evaluate(statements, "dynamodb:Query", TABLE_ARN) is Decision.ALLOW
    assert enforcement.evaluate(statements, "dynamodb:DeleteTable", TABLE_ARN) is Decision.IMPLICIT_DENY
    other = "arn:aws:dynamodb:us-east-1:000000000000:table/other"
    assert enforcement.evaluate(statements, "dynamodb:GetItem", other) is Decision.EXPLICIT_DENY


def test_evaluate__a_statement_with_a_condition__is_left_out():
    statements = _statements(
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    )
    assert enforcement.evaluate(statements, "dynamodb:GetItem", TABLE_ARN) is Decision.IMPLICIT_DENY


def test_evaluate__no_policy__denied_but_get_caller_identity_always_allowed():
    assert enforcement.evaluate((), "dynamodb:GetItem", TABLE_ARN) is Decision.IMPLICIT_DENY
    assert enforcement.evaluate((), "sts:GetCallerIdentity", enforcement.ANY_RESOURCE) is Decision.ALLOW


def test_evaluate__single_statement_object_and_brackets_taken_literally():
    statements = enforcement.parse_document(
        json.dumps({"Statement": {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:*:[$LATEST]*"}})
    )
    assert enforcement.evaluate(statements, "logs:PutLogEvents", "arn:x:[$LATEST]abc") is Decision.ALLOW
    assert enforcement.evaluate(statements, "logs:PutLogEvents", "arn:x:L") is Decision.IMPLICIT_DENY


def test_denied_message__is_awss():
    implicit = enforcement.denied_message(SESSION, "dynamodb:GetItem", TABLE_ARN, Decision.IMPLICIT_DENY)
    assert implicit == (
        f"User: {SESSION} is not authorized to perform: dynamodb:GetItem on resource: {TABLE_ARN} "
        "because no identity-based policy allows the dynamodb:GetItem action"
    )
    explicit = enforcement.denied_message(SESSION, "dynamodb:GetItem", TABLE_ARN, Decision.EXPLICIT_DENY)
    assert explicit.endswith("on resource: " + TABLE_ARN + " with an explicit deny in an identity-based policy")


@pytest.mark.parametrize(
    ("service", "operation", "request_", "expected"),
    [
        ("dynamodb", "GetItem", {"TableName": "t", "Key": {}}, [("dynamodb:GetItem", "arn:aws:dynamodb:r:a:table/t")]),
        (
            "dynamodb",
            "Query",
            {"TableName": "t", "IndexName": "i"},
            [("dynamodb:Query", "arn:aws:dynamodb:r:a:table/t/index/i")],
        ),
        ("dynamodb", "DescribeTable", {"TableName": TABLE_ARN}, [("dynamodb:DescribeTable", TABLE_ARN)]),
        (
            "dynamodb",
            "BatchWriteItem",
            {"RequestItems": {"t": [], "u": []}},
            [
                ("dynamodb:BatchWriteItem", "arn:aws:dynamodb:r:a:table/t"),
                ("dynamodb:BatchWriteItem", "arn:aws:dynamodb:r:a:table/u"),
            ],
        ),
        (
            "dynamodb",
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "t"}}, {"ConditionCheck": {"TableName": "u"}}]},
            [
                ("dynamodb:PutItem", "arn:aws:dynamodb:r:a:table/t"),
                ("dynamodb:ConditionCheckItem", "arn:aws:dynamodb:r:a:table/u"),
            ],
        ),
        ("dynamodb", "ListTables", {}, [("dynamodb:ListTables", "*")]),
        (
            "logs",
            "PutLogEvents",
            {"logGroupName": "g", "logStreamName": "s"},
            [("logs:PutLogEvents", "arn:aws:logs:r:a:log-group:g:log-stream:s")],
        ),
        ("sqs", "SendMessage", {"QueueUrl": "q"}, [("sqs:SendMessage", enforcement.ANY_RESOURCE)]),
    ],
)
def test_requested__action_and_resources_of_a_call(service, operation, request_, expected):
    assert enforcement.requested(service, operation, request_, "r", "a") == expected


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_take_token__burst_then_the_rate():
    # GIVEN a bucket of 2 refilled at 1 per second
    clock = Clock(1000.0)
    limiter = throttling.Limiter(clock)
    throttle = {"rateLimit": 1.0, "burstLimit": 2}
    # WHEN 3 requests arrive at once, THEN the third is throttled; half a second later still; a second later one passes
    assert [limiter.take_token("k", throttle) for _ in range(3)] == [True, True, False]
    clock.now += 0.5
    assert limiter.take_token("k", throttle) is False
    clock.now += 0.5
    assert [limiter.take_token("k", throttle) for _ in range(2)] == [True, False]
    assert limiter.take_token("another key", throttle) is True


def test_take_token__no_throttle_or_a_changed_one():
    limiter = throttling.Limiter(Clock(0.0))
    assert all(limiter.take_token("k", None) for _ in range(1000))
    assert limiter.take_token("k", {"rateLimit": 1.0, "burstLimit": 1}) is True
    assert limiter.take_token("k", {"rateLimit": 1.0, "burstLimit": 1}) is False
    assert limiter.take_token("k", {"rateLimit": 5.0, "burstLimit": 3}) is True  # a new limit starts a full bucket
    assert limiter.take_token("z", {"rateLimit": 0.0, "burstLimit": 0}) is False  # 0/0 blocks, as on AWS


def test_take_quota__used_up_until_the_period_ends():
    clock = Clock(datetime(2026, 3, 4, 23, 59, tzinfo=UTC).timestamp())
    limiter = throttling.Limiter(clock)
    quota = {"limit": 3, "period": "DAY", "offset": 0}
    assert [limiter.take_quota("k", quota) for _ in range(5)] == [True, True, True, False, False]
    clock.now += 120  # the next UTC day
    assert limiter.take_quota("k", quota) is True


@pytest.mark.parametrize(
    ("period", "start"),
    [
        ("DAY", datetime(2026, 3, 5, tzinfo=UTC)),
        ("WEEK", datetime(2026, 3, 2, tzinfo=UTC)),
        ("MONTH", datetime(2026, 3, 1, tzinfo=UTC)),
    ],
)
def test_period_start__utc_calendar_periods(period, start):
    assert throttling.period_start(period, datetime(2026, 3, 5, 17, 30, tzinfo=UTC).timestamp()) == start
