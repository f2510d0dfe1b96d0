"""Faults the fault proxy injects into a function's DynamoDB calls: what each rule does, and DynamoDB's answers.

A rule applies to one table and one operation (or ``all`` five). When a call matches it fires with its
``probability`` and, if it has a ``count``, only that many times. Firing, it waits ``latency_ms``, then
answers one of DynamoDB's errors (``error``), closes the connection without an answer (``drop``), or,
with neither, lets the call through late. An error or a drop never reaches DynamoDB: nothing is written.
"""

import json
import random
import threading
import uuid
import zlib
from dataclasses import asdict, dataclass
from typing import Any

OPERATIONS = ("PutItem", "GetItem", "UpdateItem", "DeleteItem", "Scan")
ALL = "all"
MAX_LATENCY_MS = 900_000  # Lambda's longest timeout: a longer wait tells nothing more

# DynamoDB's answers (JSON 1.0 protocol): HTTP status, the error's ``__type``, its message. Throttling is
# 400, as DynamoDB sends it; botocore reads the code after '#' and its standard retry mode retries all five
# (the first three as throttling, the last two by their 5xx status).
AWS_ERRORS: dict[str, tuple[int, str, str]] = {
    "ProvisionedThroughputExceededException": (
        400,
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    ),
    "ThrottlingException": (
        400,
        "com.amazon.coral.availability#ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    ),
    "RequestLimitExceeded": (
        400,
        "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
        "Throughput exceeds the current throughput limit for your account. "
        "Please contact AWS Support at https://aws.amazon.com/support request a limit increase",
    ),
    "InternalServerError": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error"),
    "ServiceUnavailable": (503, "com.amazonaws.dynamodb.v20120810#ServiceUnavailable", "Service unavailable"),
}


class RuleError(ValueError):
    """A rule document the proxy refuses (answered 400 with this message)."""


@dataclass
class FaultRule:
    table: str
    operation: str  # one of OPERATIONS, or ALL
    error: str | None = None
    drop: bool = False
    latency_ms: float = 0.0
    probability: float = 1.0
    count: int | None = None  # fires this many more times, then is gone; None: until cleared

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(document: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = document.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise RuleError(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def parse_rule(document: Any) -> FaultRule:
    """A rule from its JSON document, or ``RuleError`` naming what is wrong."""
    if not isinstance(document, dict):
        raise RuleError('send a JSON object: {"table": ..., "operation": ..., "error" | "drop" | "latency_ms": ...}')
    unknown = sorted(set(document) - set(FaultRule.__dataclass_fields__))
    if unknown:
        raise RuleError(f"unknown field(s): {', '.join(unknown)}")
    table, operation, error = document.get("table"), document.get("operation"), document.get("error")
    if not isinstance(table, str) or not table:
        raise RuleError("table must name the table whose calls fail")
    if operation not in (*OPERATIONS, ALL):
        raise RuleError(f"operation must be one of {', '.join((*OPERATIONS, ALL))}")
    if error is not None and error not in AWS_ERRORS:
        raise RuleError(f"error must be one of {', '.join(AWS_ERRORS)}")
    drop = document.get("drop", False)
    if not isinstance(drop, bool) or (drop and error):
        raise RuleError("drop is true or false, and cannot go with an error")
    count = document.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise RuleError("count must be a whole number of calls, 1 or more (or null: until cleared)")
    latency_ms = _number(document, "latency_ms", 0.0, 0, MAX_LATENCY_MS)
    if not (error or drop or latency_ms):
        raise RuleError("a fault needs an error, drop: true, or latency_ms above 0")
    probability = _number(document, "probability", 1.0, 0, 1)
    return FaultRule(table, operation, error, drop, latency_ms, probability, count)


class Faults:
    """The active rules, one per (table, operation); thread-safe, as the proxy serves calls in parallel."""

    def __init__(self) -> None:
        self._rules: dict[tuple[str, str], FaultRule] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._rules)

    def set(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules[(rule.table, rule.operation)] = rule

    def clear(self, table: str | None = None, operation: str | None = None) -> list[FaultRule]:
        """Remove the rules of ``table`` (all tables if None), of ``operation`` only if given. Returns them."""
        with self._lock:
            gone = [r for r in self._rules.values() if table in (None, r.table) and operation in (None, r.operation)]
            for rule in gone:
                del self._rules[(rule.table, rule.operation)]
        return gone

    def listed(self, table: str | None = None) -> list[FaultRule]:
        with self._lock:
            return [FaultRule(**r.as_dict()) for r in self._rules.values() if table in (None, r.table)]

    def draw(self, table: str, operation: str) -> FaultRule | None:
        """The rule that fires for this call, if one does (counting it down); the operation's own rule first."""
        with self._lock:
            rule = self._rules.get((table, operation)) or self._rules.get((table, ALL))
            if rule is None or random.random() >= rule.probability:  # noqa: S311 - fault injection, not crypto
                return None
            if rule.count is not None:
                rule.count -= 1
                if rule.count == 0:
                    del self._rules[(rule.table, rule.operation)]
            return FaultRule(**rule.as_dict())


def error_answer(code: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """DynamoDB's answer for ``code``: status, headers (request id, CRC32 of the body, as DynamoDB sends), body."""
    status, type_, message = AWS_ERRORS[code]
    body = json.dumps({"__type": type_, "message": message}, separators=(",", ":")).encode()
    headers = [
        ("x-amzn-RequestId", uuid.uuid4().hex.upper()[:32].ljust(52, "A")),
        ("x-amz-crc32", str(zlib.crc32(body))),
        ("Content-Type", "application/x-amz-json-1.0"),
    ]
    return status, headers, body
