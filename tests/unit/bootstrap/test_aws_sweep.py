"""Issue 14, points 11 and 5 (sweep): stacks are found with the Resource Groups Tagging API, so a CI role denied
other tables can sweep; emulators without that API fall back, saying so; one stack that fails to go down does not
stop the others, and the exit is non-zero naming it (moto, botocore Stubber)."""

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.handlers
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from bootstrap import stack, sweep
from bootstrap.clients import Clients
from bootstrap.report import Progress
from bootstrap.settings import AWS, ENDPOINT, Settings
from bootstrap.target import Target
from harness_cli import __main__ as cli
from harness_cli import lifecycle

pytestmark = pytest.mark.unit
LATER = datetime.now(UTC) + timedelta(hours=7)


class Calls(list):
    """Every (operation, parameters) the bootstrap's clients call. Once ``scoped``, DescribeTable and
    ListTagsOfResource on a table not named ci-* are denied, as they are to a CI role scoped to its own stacks."""

    scoped = False

    def record(self, model: Any, params: dict[str, Any], **_kwargs: Any) -> None:
        self.append((model.name, dict(params)))

    def deny(self, model: Any, params: dict[str, Any], **_kwargs: Any) -> tuple[AWSResponse, dict] | None:
        body = json.loads(params["body"] or b"{}")
        table = str(body.get("TableName") or body.get("ResourceArn", "")).rsplit("/", 1)[-1]
        if self.scoped and model.name in ("DescribeTable", "ListTagsOfResource") and not table.startswith("ci-"):
            return AWSResponse("", 400, {}, None), {"Error": {"Code": "AccessDeniedException", "Message": table}}
        return None


@pytest.fixture
def calls(monkeypatch) -> Calls:
    seen = Calls()
    hooks = [("before-parameter-build", seen.record), ("before-call.dynamodb", seen.deny)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, *hooks])
    return seen


def up(name: str, tmp_path) -> Settings:
    settings = Settings(target=AWS, stack_name=name, state_dir=tmp_path / name)
    lifecycle.up(settings, Progress(io.StringIO()))
    return settings


def test_sweep__finds_stacks_by_tag_without_reading_other_tables(moto_aws, tmp_path, calls):
    # GIVEN two CI stacks and someone else's stack (whose table this role may not read)
    for name in ("ci-1-1", "ci-2-1", "prod"):
        up(name, tmp_path)
    calls.clear()
    calls.scoped = True
    # WHEN the stale ones are looked for
    clients = Clients(Settings(target=AWS))
    stale = sweep.stale_stacks(clients, "ci-", timedelta(hours=6), now=LATER)
    # THEN both CI stacks are found through GetResources, and no table outside them was listed or read
    assert stale == ["ci-1-1", "ci-2-1"]
    assert sweep.find_stacks(clients) == {"ci-1-1", "ci-2-1", "prod"}
    operations = [name for name, _ in calls]
    assert "GetResources" in operations and "ListTables" not in operations
    assert ("DescribeTable", {"TableName": "prod"}) not in calls


def test_sweep__young_stacks_are_left_alone(moto_aws, tmp_path):
    up("ci-3-1", tmp_path)
    assert sweep.stale_stacks(Clients(Settings(target=AWS)), "ci-", timedelta(hours=6)) == []


def test_sweep_cli__one_failure_does_not_stop_the_others_and_exits_1(moto_aws, tmp_path, monkeypatch, capsys):
    # GIVEN two stale stacks, the first of which cannot be taken down
    for name in ("ci-4-1", "ci-5-1"):
        up(name, tmp_path)
    real_down = stack.down

    def down(target: Target, *args: Any, **kwargs: Any):
        if target.settings.stack_name == "ci-4-1":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DeleteFunction")
        return real_down(target, *args, **kwargs)

    monkeypatch.setattr(sweep.stack, "down", down)
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path / "sweep"))
    # WHEN sweep runs
    code = cli.main(["sweep", "--target", "aws", "--yes", "--older-than-hours", "0"])
    # THEN the second stack is gone all the same, and the exit says which one failed
    captured = capsys.readouterr()
    assert code == 1
    assert "error: sweep could not take down stack 'ci-4-1'" in captured.err and "AccessDenied" in captured.err
    assert "down: stack 'ci-5-1'" in captured.out
    assert sweep.find_stacks(Clients(Settings(target=AWS))) == {"ci-4-1"}


def test_sweep_on_an_emulator_without_the_tagging_api__falls_back_and_says_so(aws_env):
    # GIVEN an emulator that does not implement GetResources, holding one stack's table
    clients = Clients(Settings(target=ENDPOINT, endpoint_url="http://127.0.0.1:9"))
    said: list[str] = []
    arn = "arn:aws:dynamodb:us-east-1:1:table/ci-6-1"
    tags = [
        {"Key": "harness:managed-by", "Value": "dynamodb-manager-harness"},
        {"Key": "harness:stack", "Value": "ci-6-1"},
    ]
    with (
        Stubber(clients("resourcegroupstaggingapi")) as tagging,
        Stubber(clients("apigateway")) as apigw,
        Stubber(clients("dynamodb")) as dynamodb,
    ):
        tagging.add_client_error("get_resources", "UnknownOperationException", http_status_code=501)
        apigw.add_response("get_rest_apis", {"items": []})
        dynamodb.add_response("list_tables", {"TableNames": ["ci-6-1"]})
        dynamodb.add_response("describe_table", {"Table": {"TableName": "ci-6-1", "TableArn": arn}})
        dynamodb.add_response("list_tags_of_resource", {"Tags": tags})
        # WHEN stacks are looked for, THEN they are found by listing, and the output says why
        assert sweep.find_stacks(clients, said.append) == {"ci-6-1"}
    assert said == [
        "note: no Resource Groups Tagging API here (UnknownOperationException): listing REST APIs and tables instead"
    ]


def test_stack_taken_down_but_still_in_the_tagging_index__neither_listed_nor_swept(moto_aws, tmp_path, monkeypatch):
    # GIVEN one stack up, and the tagging index still listing another that was taken down a moment ago
    up("ci-7-1", tmp_path)
    gone = up("ci-8-1", tmp_path)
    lifecycle.down(gone, Progress(io.StringIO()))
    clients = Clients(Settings(target=AWS))
    monkeypatch.setattr(sweep, "find_stacks", lambda _clients, _say=print: {"ci-7-1", "ci-8-1"})
    # WHEN stacks are listed and the stale ones looked for, THEN the gone one is confirmed gone and left out
    assert [name for name, _made in sweep.stacks_with_age(clients)] == ["ci-7-1"]
    assert sweep.stale_stacks(clients, "ci-", timedelta(hours=6), now=LATER) == ["ci-7-1"]


def test_a_stack_this_identity_cannot_read__reported_and_the_others_still_swept(moto_aws, tmp_path, monkeypatch):
    # GIVEN two stale stacks, one of whose tables this identity may not describe
    for name in ("ci-9-1", "ci-9-2"):
        up(name, tmp_path)
    real_created = sweep.created

    def created(clients, name):
        if name == "ci-9-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeTable")
        return real_created(clients, name)

    monkeypatch.setattr(sweep, "created", created)
    said: list[str] = []
    # WHEN stale stacks are looked for, THEN the readable one is found and the other reported, not fatal
    assert sweep.stale_stacks(Clients(Settings(target=AWS)), "ci-9-", timedelta(0), now=LATER, say=said.append) == [
        "ci-9-2"
    ]
    assert any("ci-9-1 could not be read" in line for line in said)
