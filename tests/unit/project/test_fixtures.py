"""The shared request fixtures stay in step with the README and the .http file."""

import json

import pytest

from tests.support.fixtures import REQUEST_NAMES
from tests.support.paths import FIXTURES, ROOT

pytestmark = pytest.mark.unit


def test_every_operation_has_a_request_fixture():
    assert REQUEST_NAMES == sorted(["create", "read", "update", "delete", "list", "echo", "ping"])


@pytest.mark.parametrize("name", REQUEST_NAMES)
def test_request_fixture__is_sent_by_the_http_file(name):
    assert f"< ./requests/{name}.json" in (FIXTURES / "DynamoDBManager.http").read_text()


def test_readme_curl_example__is_the_create_fixture():
    create = json.loads((FIXTURES / "requests" / "create.json").read_text())
    assert json.dumps(create) in (ROOT / "README.md").read_text()
