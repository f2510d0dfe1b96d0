"""IAM identity-policy evaluation, as AWS decides it for a role session: pure, no LocalStack import.

What is evaluated: the role's identity policies (inline and attached). ``Action``/``NotAction`` (case
does not matter, ``*`` and ``?`` wildcards), ``Resource``/``NotResource`` (case matters, same wildcards),
an explicit Deny wins, and nothing allowed means denied. Not evaluated: ``Condition`` (a statement
that has one is left out, so an Allow with a condition allows nothing), policy variables, permissions
boundaries, session policies, resource-based policies and SCPs.
"""

import enum
import fnmatch
import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

ANY_RESOURCE = None  # the request names no resource we can derive: statements match on their action alone
ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})  # AWS answers it whatever the policies say


class Decision(enum.Enum):
    ALLOW = "allow"
    IMPLICIT_DENY = "implicit deny"
    EXPLICIT_DENY = "explicit deny"


@functools.lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # fnmatch's own syntax minus character classes: IAM knows only * and ?.
    escaped = pattern.replace("[", "[[]")
    return re.compile(fnmatch.translate(escaped), re.IGNORECASE if ignore_case else 0)


def _matches(patterns: Any, value: str, ignore_case: bool) -> bool:
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(_pattern(pattern, ignore_case).match(value) for pattern in patterns)


@functools.lru_cache(maxsize=256)
def parse_document(text: str) -> tuple[Mapping[str, Any], ...]:
    """A policy document as IAM stores it (JSON, URL-quoted or not) -> its statements."""
    document = json.loads(unquote(text) if text.lstrip().startswith("%") else text)
    statements = document.get("Statement", [])
    return tuple([statements] if isinstance(statements, dict) else statements)


def _applies(statement: Mapping[str, Any], action: str, resource: str | None) -> bool:
    if "Condition" in statement:
        return False
    if "Action" in statement:
        action_ok = _matches(statement["Action"], action, ignore_case=True)
    else:
        action_ok = not _matches(statement.get("NotAction", []), action, ignore_case=True)
    if not action_ok:
        return False
    if resource is ANY_RESOURCE:
        return True
    if "Resource" in statement:
        return _matches(statement["Resource"], resource, ignore_case=False)
    return "NotResource" in statement and not _matches(statement["NotResource"], resource, ignore_case=False)


def evaluate(statements: Iterable[Mapping[str, Any]], action: str, resource: str | None) -> Decision:
    """AWS's decision for one action on one resource under these identity-policy statements."""
    if action.lower() in ALWAYS_ALLOWED:
        return Decision.ALLOW
    decision = Decision.IMPLICIT_DENY
    for statement in statements:
        if not _applies(statement, action, resource):
            continue
        if statement.get("Effect") == "Deny":
            return Decision.EXPLICIT_DENY
        if statement.get("Effect") == "Allow":
            decision = Decision.ALLOW
    return decision


def denied_message(principal_arn: str, action: str, resource: str | None, decision: Decision) -> str:
    """AWS's AccessDenied message for a role session's call."""
    on = f" on resource: {resource}" if resource is not ANY_RESOURCE else ""
    why = (
        "with an explicit deny in an identity-based policy"
        if decision is Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    return f"User: {principal_arn} is not authorized to perform: {action}{on} {why}"


# --- which action on which resources a request asks for ---------------------------------------------------

_TRANSACT_ACTIONS = {
    "Get": "GetItem",
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_NO_RESOURCE = {"ListTables", "DescribeLimits", "DescribeEndpoints", "ListBackups", "ListGlobalTables"}


def _table_arn(region: str, account: str, table: str, index: str | None = None) -> str:
    arn = table if table.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


def _dynamodb(operation: str, request: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str | None]]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", _table_arn(region, account, t)) for t in request.get("RequestItems", {})]
    if operation in ("TransactGetItems", "TransactWriteItems"):
        asked = []
        for item in request.get("TransactItems", []):
            for kind, detail in item.items():
                action = _TRANSACT_ACTIONS.get(kind, kind)
                asked.append((f"dynamodb:{action}", _table_arn(region, account, detail["TableName"])))
        return asked
    if "TableName" in request:
        return [(f"dynamodb:{operation}", _table_arn(region, account, request["TableName"], request.get("IndexName")))]
    if "ResourceArn" in request:
        return [(f"dynamodb:{operation}", request["ResourceArn"])]
    return [(f"dynamodb:{operation}", "*" if operation in _NO_RESOURCE else ANY_RESOURCE)]


def _logs(operation: str, request: Mapping[str, Any], region: str, account: str) -> list[tuple[str, str | None]]:
    group = request.get("logGroupName")
    if group is None:
        return [(f"logs:{operation}", ANY_RESOURCE)]
    stream = request.get("logStreamName", "")
    return [(f"logs:{operation}", f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}")]


def requested(
    service: str, operation: str, request: Mapping[str, Any], region: str, account: str
) -> list[tuple[str, str | None]]:
    """The (IAM action, resource ARN) pairs AWS checks for this API call. DynamoDB and CloudWatch Logs
    name their resources; for other services the action is checked against any resource (``ANY_RESOURCE``)."""
    if service == "dynamodb":
        return _dynamodb(operation, request, region, account)
    if service == "logs":
        return _logs(operation, request, region, account)
    return [(f"{service}:{operation}", ANY_RESOURCE)]
