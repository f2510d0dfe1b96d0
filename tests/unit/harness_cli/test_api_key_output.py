"""`up` prints the API key for a local stack, but a real account's key only when asked, and masked in CI logs."""

import pytest

from harness_cli.__main__ import _print_ready

pytestmark = pytest.mark.unit
OUTPUTS = {
    "api_url": "https://abc.execute-api.eu-west-1.amazonaws.com/dev/DynamoDBManager",
    "api_key": "k3y-v4lue-0123456789",
    "stack_name": "lambda-apigateway",
    "table_name": "lambda-apigateway",
    "emulator": None,
}


def test_local_stack__key_printed_with_a_ready_curl(capsys):
    _print_ready({**OUTPUTS, "target": "embedded", "emulator": "ministack"}, 1.0, ".stack/outputs.json")
    out = capsys.readouterr().out
    assert "Key:  k3y-v4lue-0123456789" in out and "-H 'x-api-key: k3y-v4lue-0123456789'" in out


def test_real_account__key_not_printed_and_the_curl_reads_it_from_the_outputs(capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    _print_ready({**OUTPUTS, "target": "aws"}, 1.0, ".stack/outputs.json")
    out = capsys.readouterr().out
    assert "k3y-v4lue" not in out
    assert "KEY=$(python3 -c" in out and '-H "x-api-key: $KEY"' in out


def test_real_account_in_github_actions__key_masked_before_anything_else_even_when_shown(capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _print_ready({**OUTPUTS, "target": "aws"}, 1.0, ".stack/outputs.json", show_key=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "::add-mask::k3y-v4lue-0123456789"
    assert "  Key:  k3y-v4lue-0123456789" in lines
