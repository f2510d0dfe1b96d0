"""The shipped OpenAPI description and the handler's allow-list say the same thing."""

import json

import pytest
import yaml

from handler.request import ALLOWED_FIELDS, OPERATIONS, REQUIRED_FIELDS
from tests.support.fixtures import REQUEST_NAMES
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def variants() -> dict[str, dict]:
    spec = yaml.safe_load((FIXTURES / "openapi.yaml").read_text())
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["apiKey"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    request = spec["components"]["schemas"]["Request"]["oneOf"]
    return {variant["properties"]["operation"]["enum"][0]: variant for variant in request}


def test_every_operation_is_described(variants):
    assert sorted(variants) == sorted(OPERATIONS)


@pytest.mark.parametrize("operation", sorted(ALLOWED_FIELDS))
def test_payload_fields_match_the_allow_list(variants, operation):
    payload = variants[operation]["properties"]["payload"]
    assert sorted(payload["properties"]) == sorted(ALLOWED_FIELDS[operation])
    assert payload["additionalProperties"] is False
    assert payload.get("required", []) == list(REQUIRED_FIELDS.get(operation, ()))


@pytest.mark.parametrize("name", REQUEST_NAMES)
def test_documents_requests_fit_the_description(variants, name):
    document = json.loads((FIXTURES / "requests" / f"{name}.json").read_text())
    variant = variants[document["operation"]]
    assert set(document) <= set(variant["properties"])
    payload_schema = variant["properties"]["payload"]
    if "properties" in payload_schema:
        assert set(document.get("payload", {})) <= set(payload_schema["properties"])
