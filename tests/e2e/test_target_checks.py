"""What the stack looks like from behind the API: the role's policy, and awslocal as docs/targets.md shows it."""

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import pytest

from bootstrap import iam

pytestmark = pytest.mark.e2e


def test_role_policy__is_least_privilege(clients, outputs):
    # GIVEN the role the bootstrap made, read back from the target
    iam_client = clients("iam")
    role_name = outputs["role_name"]
    # THEN it has exactly one inline policy, no managed ones, and no wildcard anywhere
    assert iam_client.list_role_policies(RoleName=role_name)["PolicyNames"] == [outputs["policy_name"]]
    assert iam_client.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    document = iam.read_inline_policy(iam_client, role_name, outputs["policy_name"])
    statements = {statement["Sid"]: statement for statement in document["Statement"]}
    table_arn = clients("dynamodb").describe_table(TableName=outputs["table_name"])["Table"]["TableArn"]
    assert statements["TableItems"]["Resource"] == table_arn
    assert sorted(statements["TableItems"]["Action"]) == sorted(iam.HANDLER_DYNAMODB_ACTIONS)
    assert statements["OwnLogs"]["Resource"].endswith(f":log-group:/aws/lambda/{outputs['function_name']}:*")
    assert "*" not in json.dumps([s["Action"] for s in document["Statement"]])
    assert all(s["Resource"] != "*" for s in document["Statement"])
    trust = iam_client.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


@pytest.mark.needs("emulator")  # awslocal talks to an emulator
def test_awslocal__scans_the_table(api, outputs):
    item_id = f"awslocal-{uuid.uuid4()}"
    api.call({"operation": "create", "payload": {"Item": {"id": item_id}}})
    endpoint = urllib.parse.urlsplit(outputs["endpoint_url"])
    awslocal = shutil.which("awslocal", path=str(Path(sys.executable).parent)) or shutil.which("awslocal")
    assert awslocal, "awslocal is installed with the dev extra"
    env = {**os.environ, "LOCALSTACK_HOST": endpoint.netloc, "AWS_DEFAULT_REGION": outputs["region"]}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(  # noqa: S603 - fixed command
        [awslocal, "dynamodb", "scan", "--table-name", outputs["table_name"], "--output", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert {"id": {"S": item_id}} in json.loads(result.stdout)["Items"]
