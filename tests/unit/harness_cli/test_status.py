"""`status` (and so the test session's reuse of a stack) trusts saved outputs only for the endpoint they name."""

import json

import pytest

from bootstrap.settings import Settings
from harness_cli import lifecycle

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("saved", "reused"),
    [
        ("http://127.0.0.1:4566", True),
        ("http://localhost:4566/", True),
        ("http://127.0.0.1:45660", False),  # another emulator, on another port
    ],
)
def test_endpoint_outputs__reused_only_for_the_same_endpoint(tmp_path, monkeypatch, saved, reused):
    # GIVEN outputs saved by a stack on `saved`, and an emulator answering at the session's endpoint
    monkeypatch.setattr(lifecycle, "endpoint_reachable", lambda _url: True)
    settings = Settings.from_env({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "HARNESS_STATE_DIR": str(tmp_path)})
    settings.outputs_path.write_text(json.dumps({"target": "endpoint", "endpoint_url": saved}))
    # THEN they are the session's stack only if they name the same endpoint
    assert (lifecycle.status(settings) is not None) is reused


def test_endpoint_outputs__not_reused_when_nothing_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(lifecycle, "endpoint_reachable", lambda _url: False)
    settings = Settings.from_env({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "HARNESS_STATE_DIR": str(tmp_path)})
    settings.outputs_path.write_text(json.dumps({"target": "endpoint", "endpoint_url": "http://127.0.0.1:4566"}))
    assert lifecycle.status(settings) is None


def test_embedded_outputs__not_the_stack_of_a_real_account(tmp_path):
    # GIVEN outputs saved by `up` on the embedded emulator
    settings = Settings(target="aws", state_dir=tmp_path)
    settings.outputs_path.write_text(json.dumps({"target": "embedded", "stack_name": settings.stack_name}))
    # WHEN status is asked for the same stack name on a real account, THEN they are not that stack
    assert lifecycle.status(settings) is None


def test_real_account_outputs__only_for_their_region(tmp_path):
    saved = {"target": "aws", "stack_name": "lambda-apigateway", "region": "eu-west-1"}
    (tmp_path / "outputs.json").write_text(json.dumps(saved))
    assert lifecycle.status(Settings(target="aws", state_dir=tmp_path, region="us-east-1")) is None
    assert lifecycle.status(Settings(target="aws", state_dir=tmp_path, region="eu-west-1")) == saved
