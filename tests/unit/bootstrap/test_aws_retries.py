"""Issue 14, points 2, 5, 6, 7, 8: what AWS refuses for a while is waited for, bounded; emulators pay nothing.

Each test scripts AWS's answers (botocore Stubber, or ``script_http`` below the retry layer): nothing is sent.
"""

import time

import pytest
from botocore.exceptions import ClientError
from botocore.retries.bucket import TokenBucket
from botocore.stub import Stubber

from bootstrap import function, quota, table, usage
from bootstrap.clients import Clients
from bootstrap.package import code_sha256
from bootstrap.report import Outcome
from bootstrap.settings import AWS, Settings
from tests.support.botocore_scripting import offline_client, script_http

pytestmark = pytest.mark.unit
UNAVAILABLE = "ContinuousBackupsUnavailableException"
TABLE = {"TableName": "tbl", "TableStatus": "ACTIVE", "TableArn": "arn:aws:dynamodb:us-east-1:1:table/tbl"}


def pitr(status: str) -> dict:
    return {"ContinuousBackupsDescription": {
        "ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": status}
    }}  # fmt: skip


def test_new_table__pitr_retried_while_unavailable_then_read_back_enabled(aws_env):
    # GIVEN a table just created, whose continuous backups AWS calls unavailable twice
    dynamodb, sleeps = offline_client("dynamodb"), []
    with Stubber(dynamodb) as stub:
        stub.add_client_error("describe_table", "ResourceNotFoundException")
        stub.add_response("create_table", {"TableDescription": {**TABLE, "TableStatus": "CREATING"}})
        stub.add_response("describe_table", {"Table": TABLE})  # table_exists
        stub.add_response("describe_table", {"Table": TABLE})
        stub.add_response("describe_continuous_backups", pitr("DISABLED"))
        stub.add_client_error("update_continuous_backups", UNAVAILABLE)
        stub.add_client_error("update_continuous_backups", UNAVAILABLE)
        stub.add_response("update_continuous_backups", pitr("ENABLING"))
        stub.add_response("describe_continuous_backups", pitr("ENABLING"))
        stub.add_response("describe_continuous_backups", pitr("ENABLED"))
        # WHEN up ensures the table
        described, outcome = table.ensure_table(dynamodb, "tbl", {}, sleep=sleeps.append)
        stub.assert_no_pending_responses()
    # THEN PITR was retried with backoff, then read back until ENABLED
    assert (outcome, described["TableStatus"]) == (Outcome.CREATED, "ACTIVE")
    assert sleeps == [1.0, 2.0, 1.0]


def test_new_table__pitr_never_available_fails_naming_it(aws_env, monkeypatch):
    monkeypatch.setattr(table, "PITR_TIMEOUT_S", 0.0)
    dynamodb = offline_client("dynamodb")
    with Stubber(dynamodb) as stub:
        stub.add_response("describe_continuous_backups", pitr("DISABLED"))
        stub.add_client_error("update_continuous_backups", UNAVAILABLE)
        with pytest.raises(RuntimeError, match=f"point-in-time recovery of table tbl: still {UNAVAILABLE}"):
            table._ensure_point_in_time_recovery(dynamodb, "tbl", sleep=lambda _s: None)


def test_new_table__pitr_that_does_not_read_enabled_is_an_error(aws_env, monkeypatch):
    monkeypatch.setattr(table, "PITR_TIMEOUT_S", 0.0)
    dynamodb = offline_client("dynamodb")
    with Stubber(dynamodb) as stub:
        stub.add_response("describe_continuous_backups", pitr("DISABLED"))
        stub.add_response("update_continuous_backups", pitr("ENABLED"))
        stub.add_response("describe_continuous_backups", pitr("DISABLED"))
        with pytest.raises(RuntimeError, match="still reads DISABLED, not ENABLED"):
            table._ensure_point_in_time_recovery(dynamodb, "tbl", sleep=lambda _s: None)


def test_usage_plan_delete__retried_while_aws_still_counts_the_detached_stage(aws_env):
    apigw, sleeps = offline_client("apigateway"), []
    plan = {"id": "p1", "name": "plan", "apiStages": [{"apiId": "a1", "stage": "dev"}]}
    associated = "Cannot delete Usage Plan p1 because there are API Stages associated with it"
    with Stubber(apigw) as stub:
        stub.add_response("update_usage_plan", {"id": "p1"})
        stub.add_client_error("delete_usage_plan", "BadRequestException", associated, 400)
        stub.add_client_error("delete_usage_plan", "BadRequestException", associated, 400)
        stub.add_response("delete_usage_plan", {}, {"usagePlanId": "p1"})
        assert usage.delete_usage_plan(apigw, plan, sleep=sleeps.append) == (None, Outcome.DELETED)
    assert sleeps == [1.0, 2.0]


def test_function_left_pending__waits_for_active_then_the_update_before_changing_code(aws_env):
    # GIVEN a function an interrupted up left Pending, whose code differs from the package
    client, code = offline_client("lambda"), b"new code"
    spec = function.FunctionSpec("fn", "arn:aws:iam::1:role/r", 128, 10, {"TABLE_NAME": "t"}, {})
    config = {"FunctionName": "fn", "CodeSha256": "old", **spec.configuration()}
    state = {"Pending": {**config, "State": "Pending", "LastUpdateStatus": "Successful"}}
    state["Active"] = {**config, "State": "Active", "LastUpdateStatus": "Successful"}
    with Stubber(client) as stub:
        stub.add_response("get_function", {"Configuration": state["Pending"]})
        stub.add_response("get_function", {"Configuration": state["Pending"]})  # function_active_v2: retry
        stub.add_response("get_function", {"Configuration": state["Active"]})  # ... success
        stub.add_response("get_function", {"Configuration": state["Active"]})  # function_updated_v2
        # THEN the code is updated only after both waits (Stubber fails on any other order)
        stub.add_response("update_function_code", {"FunctionName": "fn"}, {"FunctionName": "fn", "ZipFile": code})
        stub.add_response("get_function", {"Configuration": state["Active"]})
        stub.add_response("get_function", {"Configuration": {**state["Active"], "CodeSha256": code_sha256(code)}})
        _, outcome = function.ensure_function(client, spec, code)
        stub.assert_no_pending_responses()
    assert outcome is Outcome.UPDATED


@pytest.mark.parametrize("status", ["DELETING", "CREATING"])
def test_down__table_already_deleting_or_still_creating_is_waited_for(aws_env, status):
    dynamodb = offline_client("dynamodb")
    in_use = "Attempt to change a resource which is still in use"
    with Stubber(dynamodb) as stub:
        stub.add_client_error("delete_table", "ResourceInUseException", in_use)
        stub.add_response("describe_table", {"Table": {**TABLE, "TableStatus": status}})
        if status == "CREATING":  # wait until ACTIVE, then delete it
            stub.add_response("describe_table", {"Table": TABLE})
            stub.add_response("delete_table", {"TableDescription": {**TABLE, "TableStatus": "DELETING"}})
        stub.add_response("describe_table", {"Table": {**TABLE, "TableStatus": "DELETING"}})  # table_not_exists
        stub.add_client_error("describe_table", "ResourceNotFoundException")
        assert table.delete_table(dynamodb, "tbl") == (None, Outcome.DELETED)
        stub.assert_no_pending_responses()


TOO_MANY = (429, {"x-amzn-ErrorType": "TooManyRequestsException"}, b'{"message": "Too Many Requests"}')


@pytest.fixture
def quota_sleeps(monkeypatch) -> list[float]:
    """The quota waits, recorded instead of slept. The adaptive mode's own token bucket (botocore's, which
    after throttling paces sends for real) is opened, so only the waits under test remain."""
    sleeps: list[float] = []
    monkeypatch.setattr(quota, "sleep", sleeps.append)
    monkeypatch.setattr(TokenBucket, "acquire", lambda _bucket, amount=1, block=True: True)
    return sleeps


@pytest.mark.parametrize(("operation", "interval"), sorted(quota.INTERVALS_S.items()))
def test_aws_quota__throttled_call_waits_the_documented_interval(aws_env, quota_sleeps, operation, interval):
    # GIVEN API Gateway on AWS throttling this once-per-N-seconds call twice
    apigw = Clients(Settings(target=AWS))("apigateway")
    served = script_http(apigw, operation, [TOO_MANY, TOO_MANY, (200, {}, b"{}")])
    call = {
        "DeleteRestApi": lambda: apigw.delete_rest_api(restApiId="a1"),
        "UpdateUsagePlan": lambda: apigw.update_usage_plan(usagePlanId="p1", patchOperations=[]),
        "CreateDeployment": lambda: apigw.create_deployment(restApiId="a1"),
    }[operation]
    # WHEN it is called, THEN it waits the documented interval before each retry, and succeeds
    call()
    assert (served, quota_sleeps) == ([429, 429, 200], [interval, interval])


def test_aws_quota__retry_after_is_honoured_and_the_waits_are_bounded(aws_env, quota_sleeps):
    apigw = Clients(Settings(target=AWS))("apigateway")
    with_header = (429, {**TOO_MANY[1], "Retry-After": "7"}, TOO_MANY[2])
    script_http(apigw, "DeleteRestApi", [with_header] + [TOO_MANY] * 10)
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        apigw.delete_rest_api(restApiId="a1")
    assert quota_sleeps == [7.0] + [30.0] * (quota.MAX_WAITS - 1)


def test_emulator__throttling_is_not_slowed_by_the_aws_quota_waits(aws_env, quota_sleeps):
    apigw = offline_client("apigateway")
    served = script_http(apigw, "DeleteRestApi", [TOO_MANY, TOO_MANY, (202, {}, b"")])
    started = time.monotonic()
    apigw.delete_rest_api(restApiId="a1")
    assert (served, quota_sleeps) == ([429, 429, 202], [])
    assert time.monotonic() - started < 10


def deleting_then_created(stub: Stubber) -> None:
    """DynamoDB's answers from a table seen DELETING to the new one ACTIVE with PITR on."""
    stub.add_response("describe_table", {"Table": {**TABLE, "TableStatus": "DELETING"}})
    stub.add_client_error("describe_table", "ResourceNotFoundException")  # table_not_exists: gone
    stub.add_response("create_table", {"TableDescription": {**TABLE, "TableStatus": "CREATING"}})
    stub.add_response("describe_table", {"Table": TABLE})  # table_exists
    stub.add_response("describe_table", {"Table": TABLE})
    stub.add_response("describe_continuous_backups", pitr("ENABLED"))


def test_table_still_deleting__waited_out_then_created(aws_env):
    # GIVEN a table whose deletion (a down interrupted by Ctrl-C) is still under way
    dynamodb = offline_client("dynamodb")
    with Stubber(dynamodb) as stub:
        deleting_then_created(stub)
        # WHEN up ensures the table
        described, outcome = table.ensure_table(dynamodb, "tbl", {}, sleep=lambda _s: None)
        stub.assert_no_pending_responses()
    # THEN it waited for the deletion to finish, then created the table (no two-minute table_exists wait)
    assert (outcome, described["TableStatus"]) == (Outcome.CREATED, "ACTIVE")


def test_create_meets_a_table_being_deleted__waited_out_then_created_again(aws_env):
    # GIVEN no table at first sight, but CreateTable refused: the name is in use by a table being deleted
    dynamodb = offline_client("dynamodb")
    with Stubber(dynamodb) as stub:
        stub.add_client_error("describe_table", "ResourceNotFoundException")
        stub.add_client_error("create_table", "ResourceInUseException")
        deleting_then_created(stub)
        described, outcome = table.ensure_table(dynamodb, "tbl", {}, sleep=lambda _s: None)
        stub.assert_no_pending_responses()
    assert (outcome, described["TableStatus"]) == (Outcome.CREATED, "ACTIVE")


LIMIT = (429, {"x-amzn-ErrorType": "LimitExceededException"}, b'{"message": "Cannot exceed limit of 10000 API keys"}')


def test_aws_account_limit__surfaces_after_one_retry_naming_the_limit(aws_env, quota_sleeps):
    # GIVEN an account at its API-key limit: every CreateApiKey answers LimitExceededException
    apigw = Clients(Settings(target=AWS))("apigateway")
    served = script_http(apigw, "CreateApiKey", [LIMIT] * 8)
    # WHEN up creates the key, THEN the error comes after one retry (not eight), naming the limit
    with pytest.raises(ClientError, match="LimitExceededException.*10000 API keys"):
        apigw.create_api_key(name="k", enabled=True)
    assert served == [429, 429]


def test_aws_burst_limit__one_retry_absorbs_it(aws_env, quota_sleeps):
    apigw = Clients(Settings(target=AWS))("apigateway")
    served = script_http(apigw, "GetRestApis", [LIMIT, (200, {}, b'{"item": []}')])
    assert apigw.get_rest_apis()["items"] == [] and served == [429, 200]
