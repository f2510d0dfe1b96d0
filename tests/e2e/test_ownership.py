"""Safety on the real emulator: the bootstrap never touches what it did not create, and `--target aws` never
lands on an emulator that AWS_ENDPOINT_URL happens to point at. Both drive `python -m harness_cli` itself."""

import os
import time
import uuid
from typing import Any

import pytest

from bootstrap import inventory, ownership
from tests.support.cli import run_bootstrap, run_cli

pytestmark = pytest.mark.e2e


def items(clients, table: str) -> list[dict[str, Any]]:
    return clients("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]


def test_table_not_made_by_the_harness__up_refuses_down_leaves_it_adopt_takes_it(stack_factory, clients, outputs):
    # GIVEN a table with a stack's table name, made beforehand without the harness's tags, holding one item
    extra = stack_factory()
    table = extra.names.table
    clients("dynamodb").create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    clients("dynamodb").get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2})
    clients("dynamodb").put_item(TableName=table, Item={"id": {"S": "theirs"}})
    # WHEN up runs, THEN it refuses (exit 2) naming the table, and creates nothing
    refused = run_cli(extra, "up")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert table in refused.stderr and "--adopt" in refused.stderr.splitlines()[-1]
    found = {r.kind: r.read_tags() for r in inventory.resources(clients, extra.names, outputs["partition"])}
    assert found == {kind: ({} if kind == "table" else None) for kind in found}
    # WHEN down runs, THEN it leaves the table and its item alone, saying so, and succeeds
    down = run_cli(extra, "down")
    assert down.returncode == 0, down.stderr
    assert "not-ours" in down.stdout and "left alone 1 resource(s)" in down.stdout
    assert items(clients, table) == [{"id": {"S": "theirs"}}]
    # WHEN up runs with --adopt, THEN it tags the table first, says so, and brings the stack up around it
    adopted = run_cli(extra, "up", "--adopt")
    assert adopted.returncode == 0, adopted.stderr
    assert adopted.stdout.splitlines()[1].split()[:2] == ["table", table] and " adopted " in adopted.stdout
    tags = ownership.stack_tags(extra.stack_name)
    assert ownership.is_ours(inventory.resources(clients, extra.names, outputs["partition"])[0].read_tags(), tags)
    assert items(clients, table) == [{"id": {"S": "theirs"}}]


def _everything(clients) -> dict[str, list[str]]:
    return {
        "tables": sorted(clients("dynamodb").list_tables()["TableNames"]),
        "functions": sorted(f["FunctionName"] for f in clients("lambda").list_functions()["Functions"]),
        "roles": sorted(r["RoleName"] for r in clients("iam").list_roles()["Roles"]),
        "rest_apis": sorted(a["id"] for a in clients("apigateway").get_rest_apis(limit=500)["items"]),
    }


@pytest.mark.needs("emulator")  # to point AWS_ENDPOINT_URL at
def test_target_aws__with_aws_endpoint_url_set__creates_nothing_on_that_emulator(outputs, clients, tmp_path):
    # GIVEN AWS_ENDPOINT_URL pointing at the running emulator, dummy credentials, no real AWS config, and every
    # HTTPS request sent to a closed loopback port (so nothing can ever reach AWS from this test)
    empty = tmp_path / "empty"
    empty.write_text("")
    proxy = "http://127.0.0.1:9"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "eu-west-3",
        "AWS_ENDPOINT_URL": outputs["endpoint_url"],
        "HTTPS_PROXY": proxy,  # AWS is HTTPS only; the emulator (plain HTTP) stays reachable, as in the bug
        "https_proxy": proxy,
        "HARNESS_STATE_DIR": str(tmp_path / "state"),
    }
    before = _everything(clients)
    # WHEN `up --target aws --yes` runs
    started = time.monotonic()
    result = run_bootstrap(
        "up", "--target", "aws", "--yes", "--stack", f"x-{uuid.uuid4().hex[:8]}", env=env, timeout=120
    )
    # THEN it says the variable is ignored, fails with one clear line (AWS is out of reach), and the emulator
    # holds exactly what it held before
    assert time.monotonic() - started < 30
    assert result.returncode == 2, result.stdout + result.stderr
    assert "AWS_ENDPOINT_URL is set but ignored" in result.stdout and "REAL AWS" not in result.stdout
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("error: cannot reach AWS STS at https://sts.eu-west-3.amazonaws.com")
    assert _everything(clients) == before
    assert not (tmp_path / "state" / "outputs.json").exists()
