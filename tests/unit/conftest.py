"""Unit-test fixtures: the handler module loaded against moto's in-memory DynamoDB; moto for the bootstrap."""

import importlib
import ipaddress
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import boto3
import botocore.handlers
import botocore.retries.standard
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.dynamodb.exceptions import ProvidedKeyDoesNotExist
from moto.dynamodb.responses import DynamoHandler

from bootstrap import ownership, ready

TABLE = "unit-table"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests reach loopback only: a connection anywhere else (AWS above all) fails the test at once."""
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                raise AssertionError(f"a unit test tried to connect to {address!r}: loopback only")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@dataclass
class LambdaContext:
    function_name: str = "unit-function"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:unit-function"
    aws_request_id: str = "req-0001"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, and no endpoint switch, so nothing can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "TABLE_NAME": TABLE,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def _key_types_checked(operation: Any) -> Any:
    """moto's ``operation`` (a ``DynamoHandler`` method), first refusing a ``Key`` whose attribute has another type
    than the table's key schema gives it, with DynamoDB's answer."""

    def checked(self: DynamoHandler) -> Any:
        table = self.dynamodb_backend.get_table(self.body["TableName"])
        key = self.body.get("Key") or {}
        schema = ((table.hash_key_attr, table.hash_key_type), (table.range_key_attr, table.range_key_type))
        for attribute, wanted in schema:
            if attribute in key and next(iter(key[attribute]), None) != wanted:
                raise ProvidedKeyDoesNotExist  # "The provided key element does not match the schema"
        return operation(self)

    return checked


@pytest.fixture
def moto_checks_key_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's GetItem and DeleteItem take a key of the wrong type (``{"id": {"N": "1"}}`` where ``id`` is a string)
    and find nothing; DynamoDB refuses it with ValidationException "The provided key element does not match the
    schema" (its PutItem and UpdateItem moto checks already). Here moto checks it too."""
    for name in ("get_item", "delete_item"):
        monkeypatch.setattr(DynamoHandler, name, _key_types_checked(getattr(DynamoHandler, name)))


@pytest.fixture
def app(aws_env: None, moto_checks_key_types: None) -> Iterator[ModuleType]:
    """``handler.app`` freshly imported inside moto (keys' types checked, as DynamoDB does), with the table created."""
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName=TABLE,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        import handler.app

        yield importlib.reload(handler.app)


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def moto_aws(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, dict[str, str]]]:
    """moto for every service the bootstrap uses, plus the two API Gateway tag calls moto lacks (GetTags,
    TagResource). Those keep their tags apart from a resource's own ``tags``, as MiniStack and LocalStack
    do. The probe ``up`` sends through the API on AWS gets a 200. Yields the tag store, by ARN."""
    store: dict[str, dict[str, str]] = {}

    def arn(params: dict[str, Any]) -> str:
        return unquote(params["url_path"].split("/tags/", 1)[1])

    def get_tags(params: dict[str, Any], **_kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("", 200, {}, None), {"tags": dict(store.get(arn(params), {}))}

    def tag_resource(params: dict[str, Any], **_kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        store.setdefault(arn(params), {}).update(json.loads(params["body"])["tags"])
        return AWSResponse("", 204, {}, None), {}

    shims = [("before-call.api-gateway.GetTags", get_tags), ("before-call.api-gateway.TagResource", tag_resource)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, *shims])
    # moto has no API Gateway data plane: `up --target aws` ends with a probe through the API, answered here.
    monkeypatch.setattr(ready, "post", lambda _url, _key, _sign=None: (200, '{"Items": [], "Count": 0}'))
    # moto's tag reads follow its tag writes at once: no waiting for AWS's propagation (test_ownership.py tests it).
    monkeypatch.setattr(ownership, "TAG_PROPAGATION_S", 0.0)
    with mock_aws():
        yield store


@pytest.fixture
def sdk_retries_without_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK retries as configured, without sleeping between attempts (up to 1 s, then 2 s, for a throttling
    error): these tests count attempts and check the outcome, not the waits."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda _self, _context: 0)
