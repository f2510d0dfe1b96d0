"""The DynamoDB table: partition key ``id`` (string), on-demand, point-in-time recovery, tags."""

import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from bootstrap.aws_errors import created_meanwhile, delete_or_absent, error_code, is_code
from bootstrap.client_types import DynamoDBClient, WaiterConfigTypeDef
from bootstrap.report import Outcome
from bootstrap.retry import retry_on_codes

# Emulators settle in milliseconds; AWS in seconds. A short delay costs AWS only a few extra polls.
# A float delay: botocore sleeps it as given (the stubs' int is the API model's).
WAITER: WaiterConfigTypeDef = {"Delay": 0.2, "MaxAttempts": 600}  # type: ignore[typeddict-item]
# Right after CreateTable, AWS often refuses PITR (ContinuousBackupsUnavailableException) for a while.
PITR_TIMEOUT_S = 120.0


def ensure_table(
    dynamodb: DynamoDBClient, name: str, tags: dict[str, str], sleep: Callable[[float], None] = time.sleep
) -> tuple[Mapping[str, Any], Outcome]:
    """Describe the table; create it only if DynamoDB says it does not exist; PITR on. Returns its description."""
    table, outcome = _described_or_created(dynamodb, name, tags)
    if table["TableStatus"] != "ACTIVE":
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig=WAITER)
        table = dynamodb.describe_table(TableName=name)["Table"]
    if _ensure_point_in_time_recovery(dynamodb, name, sleep) and outcome is Outcome.UNCHANGED:
        outcome = Outcome.UPDATED
    return table, outcome


def _described(dynamodb: DynamoDBClient, name: str) -> Mapping[str, Any] | None:
    """The table's description; None once it is gone. A table still DELETING (a ``down`` interrupted a moment
    ago) is waited out first: ``table_exists`` would wait on it for minutes and fail, and CreateTable refuses."""
    try:
        table: Mapping[str, Any] = dynamodb.describe_table(TableName=name)["Table"]
    except ClientError as error:
        if not is_code(error, "ResourceNotFoundException"):
            raise
        return None
    if table["TableStatus"] != "DELETING":
        return table
    dynamodb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=WAITER)
    return None


def _described_or_created(
    dynamodb: DynamoDBClient, name: str, tags: dict[str, str]
) -> tuple[Mapping[str, Any], Outcome]:
    for _attempt in range(2):  # a second time only when CreateTable met a table that was being deleted
        table = _described(dynamodb, name)
        if table is not None:
            return table, Outcome.UNCHANGED
        try:
            dynamodb.create_table(
                TableName=name,
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
                Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
            )
            return {"TableStatus": "CREATING"}, Outcome.CREATED
        except ClientError as meanwhile:  # made by another up meanwhile, or one being deleted: describe again
            if not created_meanwhile(meanwhile):
                raise
    table = _described(dynamodb, name)
    if table is None:
        raise RuntimeError(f"table {name}: CreateTable says it exists, DescribeTable that it does not")
    return table, Outcome.UNCHANGED


def _pitr_status(dynamodb: DynamoDBClient, name: str) -> str | None:
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    return backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")


def _ensure_point_in_time_recovery(dynamodb: DynamoDBClient, name: str, sleep: Callable[[float], None]) -> bool:
    """Turn PITR on where the target supports it, and read it back as ENABLED. Returns whether anything changed.

    A new table's continuous backups are unavailable for a while on AWS: the update is retried (bounded), then
    the status is read back until it says ENABLED (bounded too).
    """
    try:
        if _pitr_status(dynamodb, name) == "ENABLED":
            return False
    except ClientError as error:
        if error_code(error) in ("UnknownOperationException", "NotImplemented", "InvalidAction"):
            return False
        raise
    what = f"point-in-time recovery of table {name}"
    retry_on_codes(
        lambda: dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        ),
        ("ContinuousBackupsUnavailableException",),
        what,
        PITR_TIMEOUT_S,
        sleep=sleep,
    )
    deadline = time.monotonic() + PITR_TIMEOUT_S
    while (status := _pitr_status(dynamodb, name)) != "ENABLED":
        if time.monotonic() >= deadline:
            raise RuntimeError(f"{what} still reads {status}, not ENABLED, {PITR_TIMEOUT_S:.0f} s after turning it on")
        sleep(1.0)
    return True


def delete_table(dynamodb: DynamoDBClient, name: str) -> tuple[None, Outcome]:
    """Delete the table and wait until it is gone. One already DELETING (an interrupted ``down``) is awaited;
    one still CREATING or UPDATING is awaited ACTIVE first, as DynamoDB refuses to delete it until then."""
    try:
        _, outcome = delete_or_absent(lambda: dynamodb.delete_table(TableName=name), "ResourceNotFoundException")
    except ClientError as error:
        if not is_code(error, "ResourceInUseException"):
            raise
        if _status(dynamodb, name) not in ("DELETING", None):
            dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig=WAITER)
            dynamodb.delete_table(TableName=name)
        outcome = Outcome.DELETED
    if outcome is Outcome.DELETED:
        dynamodb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=WAITER)
    return None, outcome


def _status(dynamodb: DynamoDBClient, name: str) -> str | None:
    try:
        return dynamodb.describe_table(TableName=name)["Table"]["TableStatus"]
    except ClientError as error:
        if is_code(error, "ResourceNotFoundException"):
            return None
        raise


def read_tags(dynamodb: DynamoDBClient, name: str) -> dict[str, str] | None:
    """The table's tags (ListTagsOfResource), or None if there is no such table."""
    try:
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
    except ClientError as error:
        if is_code(error, "ResourceNotFoundException"):
            return None
        raise
    tags, token = {}, None
    while True:
        try:
            page = dynamodb.list_tags_of_resource(ResourceArn=arn, **({"NextToken": token} if token else {}))
        except ClientError as error:  # deleted between the two calls (a table already DELETING can be)
            if is_code(error, "ResourceNotFoundException"):
                return None
            raise
        tags.update({tag["Key"]: tag["Value"] for tag in page.get("Tags", [])})
        token = page.get("NextToken")
        if not token:
            return tags


def tag_table(dynamodb: DynamoDBClient, name: str, tags: dict[str, str]) -> None:
    arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
    dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": key, "Value": value} for key, value in tags.items()])
