"""`up --authorization iam`: the method is AWS_IAM, so an unsigned request is refused as AWS refuses it, and a
request SigV4-signed for execute-api (with the key) is served."""

import json

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from benchmarks.load import Api
from harness_cli import lifecycle
from tests.support.gaps import mark_gap
from tests.support.polling import api_after_up

pytestmark = pytest.mark.e2e
# Open-source LocalStack does not check IAM authorization on API Gateway methods (LocalStack Pro does).
IAM_AUTHORIZATION_GAPS = {"localstack": "API Gateway serves an AWS_IAM method to unsigned requests"}
BODY = json.dumps({"operation": "ping"})


def _signed(url: str, key: str, region: str, credentials: Credentials) -> requests.Response:
    request = AWSRequest(method="POST", url=url, data=BODY, headers={"x-api-key": key})
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return requests.post(url, data=BODY, headers=dict(request.headers.items()), timeout=30)


@pytest.mark.needs("emulator")
def test_aws_iam_method__unsigned_refused_signed_served(stack_factory, backend, request):
    mark_gap(request, backend, IAM_AUTHORIZATION_GAPS)
    # GIVEN a stack whose method needs a SigV4 signature as well as the key
    settings = stack_factory(authorization="iam")
    outputs = lifecycle.up(settings)
    api = api_after_up(outputs)  # signs its requests: the stack's outputs say the method is AWS_IAM
    assert api.call({"operation": "ping"}) == "pong"
    # WHEN a request with the key but no signature comes, THEN API Gateway refuses it, as on AWS
    unsigned = Api(outputs["api_url"], outputs["api_key"]).post({"operation": "ping"})
    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Missing Authentication Token"})
    # WHEN the same request is signed for execute-api, THEN the function answers
    signed = _signed(outputs["api_url"], outputs["api_key"], outputs["region"], Credentials("test", "test"))
    assert (signed.status_code, signed.json()) == (200, "pong")
