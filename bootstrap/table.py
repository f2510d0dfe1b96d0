"""The DynamoDB table: partition key ``id`` (string), on-demand, point-in-time recovery, tags."""

from typing import Any

from botocore.exceptions import ClientError

from bootstrap.aws_errors import error_code, is_code
from bootstrap.report import Outcome

# Emulators settle in milliseconds; AWS in seconds. A short delay costs AWS only a few extra polls.
WAITER = {"Delay": 0.2, "MaxAttempts": 600}


def ensure_table(dynamodb: Any, name: str, tags: dict[str, str]) -> tuple[dict[str, Any], Outcome]:
    """Describe the table; create it only if DynamoDB says it does not exist. Returns its description."""
    try:
        table = dynamodb.describe_table(TableName=name)["Table"]
        outcome = Outcome.UNCHANGED
    except ClientError as error:
        if not is_code(error, "ResourceNotFoundException"):
            raise
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
        )
        outcome = Outcome.CREATED
        table = {"TableStatus": "CREATING"}
    if table["TableStatus"] != "ACTIVE":
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig=WAITER)
        table = dynamodb.describe_table(TableName=name)["Table"]
    if _ensure_point_in_time_recovery(dynamodb, name) and outcome is Outcome.UNCHANGED:
        outcome = Outcome.UPDATED
    return table, outcome


def _ensure_point_in_time_recovery(dynamodb: Any, name: str) -> bool:
    """Turn PITR on where the target supports it. Returns whether anything changed."""
    try:
        backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    except ClientError as error:
        if error_code(error) in ("UnknownOperationException", "NotImplemented", "InvalidAction"):
            return False
        raise
    pitr = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    if pitr == "ENABLED":
        return False
    dynamodb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    return True


def delete_table(dynamodb: Any, name: str) -> tuple[None, Outcome]:
    try:
        dynamodb.delete_table(TableName=name)
    except ClientError as error:
        if is_code(error, "ResourceNotFoundException"):
            return None, Outcome.ABSENT
        raise
    dynamodb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=WAITER)
    return None, Outcome.DELETED


def read_tags(dynamodb: Any, name: str) -> dict[str, str] | None:
    """The table's tags (ListTagsOfResource), or None if there is no such table."""
    try:
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
    except ClientError as error:
        if is_code(error, "ResourceNotFoundException"):
            return None
        raise
    tags, token = {}, None
    while True:
        page = dynamodb.list_tags_of_resource(ResourceArn=arn, **({"NextToken": token} if token else {}))
        tags.update({tag["Key"]: tag["Value"] for tag in page.get("Tags", [])})
        token = page.get("NextToken")
        if not token:
            return tags


def tag_table(dynamodb: Any, name: str, tags: dict[str, str]) -> None:
    arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
    dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": key, "Value": value} for key, value in tags.items()])
