"""Property-based fuzzing of the handler on moto: whatever the body, never a 5xx and never a stack trace.

Whether items survive unchanged is fuzzed end to end (tests/e2e/test_fuzz_api.py): moto's DynamoDB
answers some odd items with malformed responses that real DynamoDB does not produce.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings

from tests.strategies import EXAMPLES, raw_bodies, request_documents

pytestmark = pytest.mark.unit
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def handle(app, context, raw: str) -> tuple[int, str]:
    event = {"httpMethod": "POST", "requestContext": {"requestId": "fuzz"}, "body": raw}
    response = app.lambda_handler(event, context)
    return response["statusCode"], response["body"]


def assert_clean_answer(status: int, body: str) -> None:
    assert status < 500, body
    assert "Traceback" not in body and 'File "' not in body
    json.loads(body)


@FUZZ
@given(document=request_documents())
def test_any_request_document__never_5xx(app, context, document):
    assert_clean_answer(*handle(app, context, json.dumps(document)))


@FUZZ
@given(raw=raw_bodies)
def test_any_body_text__never_5xx(app, context, raw):
    assert_clean_answer(*handle(app, context, raw))
