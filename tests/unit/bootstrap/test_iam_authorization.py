"""`--authorization iam`: the method is AWS_IAM (SigV4-signed requests, the key still required), which API Gateway in
the China regions needs for an account without an ICP recordal; `up`'s readiness probe signs its request."""

import io
import json
import urllib.request

import pytest
from botocore.credentials import Credentials
from botocore.stub import Stubber

from bootstrap import api, ready
from bootstrap.clients import Clients
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, Settings
from harness_cli import lifecycle
from tests.support.botocore_scripting import offline_client

pytestmark = pytest.mark.unit


def _method(settings: Settings, outputs: dict) -> dict:
    apigw = Clients(settings)("apigateway")
    resource = next(r for r in apigw.get_resources(restApiId=outputs["rest_api_id"])["items"] if r["path"] != "/")
    return apigw.get_method(restApiId=outputs["rest_api_id"], resourceId=resource["id"], httpMethod="POST")


def test_up_with_iam__the_method_is_aws_iam_with_the_key_still_required(moto_aws, tmp_path):
    # GIVEN a stack brought up with --authorization iam
    settings = Settings(target=AWS, stack_name="iam-auth", state_dir=tmp_path, authorization="iam")
    outputs = lifecycle.up(settings, Progress(io.StringIO()))
    # THEN its method needs a signature and the key, and the outputs say so
    method = _method(settings, outputs)
    assert (method["authorizationType"], method["apiKeyRequired"], outputs["authorization"]) == ("AWS_IAM", True, "iam")


def test_method_of_the_other_authorization__changed_in_place(aws_env):
    # GIVEN a method that has the key alone, WHEN up wants AWS_IAM, THEN it patches the method's authorizationType
    apigw = offline_client("apigateway")
    uri = "arn:aws:apigateway:us-east-1:lambda:path/x"
    ids = {"restApiId": "a1", "resourceId": "r1", "httpMethod": "POST"}
    current = {
        "authorizationType": "NONE",
        "apiKeyRequired": True,
        "methodIntegration": {"type": "AWS_PROXY", "uri": uri},
    }
    change = [{"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}]
    with Stubber(apigw) as stub:
        stub.add_response("get_method", current, ids)
        stub.add_response("update_method", {}, {**ids, "patchOperations": change})
        assert api.ensure_method(apigw, "a1", "r1", uri, "AWS_IAM")[1] is Outcome.UPDATED
        stub.assert_no_pending_responses()


def test_fingerprint__differs_by_authorization():
    uri = "arn:aws:apigateway:us-east-1:lambda:path/x"
    assert api.method_fingerprint(uri) != api.method_fingerprint(uri, "AWS_IAM")


def test_probe_of_an_aws_iam_method__is_sigv4_signed_for_execute_api(monkeypatch):
    sent: list[urllib.request.Request] = []

    class _Answer(io.BytesIO):
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *_exc):
            return False

    def urlopen(request, timeout):
        sent.append(request)
        return _Answer(json.dumps({"Items": []}).encode())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    sign = ready.sigv4_signer(Credentials("AKIDEXAMPLE", "secret"), "cn-north-1")
    assert ready.post("https://abc.execute-api.cn-north-1.amazonaws.com.cn/dev/DynamoDBManager", "k", sign)[0] == 200
    headers = {name.lower(): value for name, value in sent[0].header_items()}
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/cn-north-1/execute-api/aws4_request" in headers["authorization"] and headers["x-api-key"] == "k"
