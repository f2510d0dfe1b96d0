"""Safety on the real emulator: the bootstrap never touches what it did not create (drives `python -m bootstrap`)."""

import os
import subprocess
import sys
from typing import Any

import pytest

from bootstrap import inventory, ownership
from bootstrap.settings import AWS, Settings
from tests.support import ROOT

pytestmark = pytest.mark.e2e


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    """``python -m bootstrap`` on the extra stack's target, with its own name and state folder."""
    if settings.target == AWS:
        env, args = {**os.environ, "HARNESS_TARGET": AWS}, (*args, "--yes")
    else:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "HARNESS_"))}
        env.update(AWS_ENDPOINT_URL=settings.endpoint_url or "", HARNESS_ENDPOINT_KIND=settings.endpoint_kind)
    env.update(HARNESS_STACK=settings.stack_name, HARNESS_STATE_DIR=str(settings.state_dir), AWS_REGION=settings.region)
    return subprocess.run(
        [sys.executable, "-m", "bootstrap", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def items(clients, table: str) -> list[dict[str, Any]]:
    return clients("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]


def test_table_not_made_by_the_harness__up_refuses_down_leaves_it_adopt_takes_it(stack_factory, clients):
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
    found = {r.kind: r.read_tags() for r in inventory.resources(clients, extra.names)}
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
    assert ownership.is_ours(inventory.resources(clients, extra.names)[0].read_tags(), tags)
    assert items(clients, table) == [{"id": {"S": "theirs"}}]
