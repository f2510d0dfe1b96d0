"""Property-based fuzzing through the real API: never a 5xx, never a trace, never a corrupted item."""

import json
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from tests.strategies import EXAMPLES, item_attributes, raw_bodies, request_documents

pytestmark = pytest.mark.e2e
# Over HTTP each case costs a few milliseconds: a quarter of the unit-level budget keeps the suite fast.
FUZZ = settings(
    max_examples=max(25, EXAMPLES // 4), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_clean(response) -> None:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text


@FUZZ
@given(document=request_documents())
def test_any_request_document__never_5xx(api, document):
    response = api.post(raw=json.dumps(document))
    assert_clean(response)
    assert response.status_code in (200, 400, 403, 404, 409), response.text


@FUZZ
@given(raw=raw_bodies)
def test_any_body_text__never_5xx(api, raw):
    assert_clean(api.post(raw=raw.encode("utf-8", "surrogatepass")))


@FUZZ
@given(attributes=item_attributes)
def test_created_item__reads_back_unchanged_or_is_refused_whole(api, attributes):
    item = {"id": f"fuzz-{uuid.uuid4()}", **attributes}  # fresh per case: hypothesis replays its draws
    created = api.post(raw=json.dumps({"operation": "create", "payload": {"Item": item}}))
    assert_clean(created)
    read = api.post({"operation": "read", "payload": {"Key": {"id": item["id"]}, "ConsistentRead": True}})
    if created.status_code == 200:
        assert json.loads(read.text, parse_float=Decimal)["Item"] == json.loads(json.dumps(item), parse_float=Decimal)
    else:
        assert (created.status_code, read.status_code) == (400, 404), created.text
