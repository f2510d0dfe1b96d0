"""The function's CloudWatch Logs group, made ahead of the function so it has a retention and tags."""

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from bootstrap.aws_errors import created_meanwhile, delete_or_absent, is_code
from bootstrap.client_types import CloudWatchLogsClient
from bootstrap.report import Outcome

LOG_RETENTION_DAYS = 14
# Older emulators lack the new tagging calls (ListTagsForResource/TagResource); these are the old ones' cue.
_NEW_CALL_MISSING = ("UnknownOperationException", "InvalidAction", "NotImplemented")


def log_group_name(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def _find(logs: CloudWatchLogsClient, name: str) -> Mapping[str, Any] | None:
    found = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
    return next((group for group in found if group["logGroupName"] == name), None)


def ensure_log_group(logs: CloudWatchLogsClient, function_name: str, tags: dict[str, str]) -> tuple[str, Outcome]:
    """The function's log group with a retention, so logs do not pile up forever in an account."""
    name = log_group_name(function_name)
    group = _find(logs, name)
    if group is None:
        try:
            logs.create_log_group(logGroupName=name, tags=tags)
        except ClientError as meanwhile:
            if not created_meanwhile(meanwhile):
                raise
            group = {}
        logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
        return name, Outcome.CREATED if group is None else Outcome.UPDATED
    if group.get("retentionInDays") != LOG_RETENTION_DAYS:
        logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
        return name, Outcome.UPDATED
    return name, Outcome.UNCHANGED


def delete_log_group(logs: CloudWatchLogsClient, function_name: str) -> tuple[None, Outcome]:
    name = log_group_name(function_name)
    return delete_or_absent(lambda: logs.delete_log_group(logGroupName=name), "ResourceNotFoundException")


def _arn(group: Mapping[str, Any]) -> str:
    """The group's ARN without the ``:*`` that DescribeLogGroups' older ``arn`` field carries."""
    arn: str = group.get("logGroupArn") or group["arn"].removesuffix(":*")
    return arn


def read_tags(logs: CloudWatchLogsClient, function_name: str) -> dict[str, str] | None:
    """The group's tags (ListTagsForResource; ListTagsLogGroup where the target lacks it), or None if absent."""
    group = _find(logs, log_group_name(function_name))
    if group is None:
        return None
    try:
        return dict(logs.list_tags_for_resource(resourceArn=_arn(group)).get("tags", {}))
    except ClientError as error:
        if not is_code(error, *_NEW_CALL_MISSING):
            raise
        return dict(logs.list_tags_log_group(logGroupName=group["logGroupName"]).get("tags", {}))


def tag_log_group(logs: CloudWatchLogsClient, function_name: str, tags: dict[str, str]) -> None:
    group = _find(logs, log_group_name(function_name))
    if group is None:
        raise RuntimeError(f"log group {log_group_name(function_name)} disappeared while being adopted")
    try:
        logs.tag_resource(resourceArn=_arn(group), tags=tags)
    except ClientError as error:
        if not is_code(error, *_NEW_CALL_MISSING):
            raise
        logs.tag_log_group(logGroupName=group["logGroupName"], tags=tags)
