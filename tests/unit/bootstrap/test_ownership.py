"""Never touch what the harness did not create: up refuses (or, with --adopt, tags first), down leaves alone."""

import io
import json

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from bootstrap import inventory, log_group, ownership, stack
from bootstrap.clients import Clients
from bootstrap.iam import TRUST_POLICY
from bootstrap.package import build_zip
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, Settings
from harness_cli import __main__ as cli
from harness_cli import lifecycle
from tests.support.botocore_scripting import offline_client

pytestmark = pytest.mark.unit
KINDS = ["table", "log-group", "role", "function", "rest-api", "api-key", "usage-plan"]
OTHER_STACK = {"harness:stack": "other", "harness:managed-by": "dynamodb-manager-harness"}


@pytest.fixture
def settings(moto_aws, tmp_path) -> Settings:
    return Settings(target=AWS, stack_name="own", state_dir=tmp_path / "state")


def make(settings: Settings, kind: str, tags: dict[str, str] | None = None) -> None:
    """Someone else's resource of this kind, under the stack's name (no tags unless given)."""
    clients, names, tags = Clients(settings), settings.names, tags or {}
    tag_list = [{"Key": key, "Value": value} for key, value in tags.items()]
    if kind == "table":
        clients("dynamodb").create_table(
            TableName=names.table,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            **({"Tags": tag_list} if tags else {}),
        )
        clients("dynamodb").put_item(TableName=names.table, Item={"id": {"S": "precious"}})
    elif kind == "log-group":
        clients("logs").create_log_group(logGroupName=log_group.log_group_name(names.function), tags=tags)
    elif kind in ("role", "function"):
        role = names.role if kind == "role" else "someone-elses-role"
        trust = json.dumps(TRUST_POLICY)
        created = clients("iam").create_role(RoleName=role, AssumeRolePolicyDocument=trust, Tags=tag_list)
        if kind == "function":
            clients("lambda").create_function(
                FunctionName=names.function,
                Role=created["Role"]["Arn"],
                Runtime="python3.12",
                Handler="handler.app.lambda_handler",
                Code={"ZipFile": build_zip()},
                Tags=tags,
            )
    elif kind == "rest-api":
        clients("apigateway").create_rest_api(name=names.rest_api, tags=tags)
    elif kind == "api-key":
        clients("apigateway").create_api_key(name=names.api_key, enabled=True, tags=tags)
    else:
        clients("apigateway").create_usage_plan(name=names.usage_plan, tags=tags)


def tags_on_target(settings: Settings) -> dict[str, dict[str, str] | None]:
    """Every resource of the stack by kind: its tags, or None where nothing has its name."""
    resources = inventory.resources(Clients(settings), settings.names, "aws")
    return {resource.kind: resource.read_tags() for resource in resources}


@pytest.mark.parametrize("kind", KINDS)
def test_up_refuses__a_resource_of_each_kind_without_the_tags(settings, kind):
    # GIVEN someone else's resource with the stack's name, without tags
    make(settings, kind)
    # WHEN up runs
    with pytest.raises(ownership.OwnershipError, match="refusing to up stack 'own'") as refused:
        lifecycle.up(settings, Progress(io.StringIO()))
    # THEN it names that resource and its tags, and changed nothing: no tag added, nothing else created
    assert [(found.kind, found.tags) for found in refused.value.foreign] == [(kind, {})]
    assert "tags: none" in refused.value.details[0] and "--adopt" in str(refused.value)
    assert tags_on_target(settings) == {other: ({} if other == kind else None) for other in KINDS}
    assert not settings.outputs_path.exists()


def test_up_refuses__a_resource_tagged_for_another_stack(settings):
    make(settings, "role", OTHER_STACK)
    with pytest.raises(ownership.OwnershipError) as refused:
        lifecycle.up(settings, Progress(io.StringIO()))
    assert "harness:stack=other" in refused.value.details[0]


def test_up_adopt__tags_them_first_says_so_and_keeps_their_data(settings, moto_aws):
    # GIVEN an untagged table holding an item, and an untagged REST API, both with the stack's names
    make(settings, "table")
    make(settings, "rest-api")
    # WHEN up runs with --adopt
    progress = Progress(io.StringIO())
    lifecycle.up(settings, progress, adopt=True)
    # THEN one line per adopted resource comes before any change, and both are now tagged as the stack's
    lines = [line.split() for line in progress.stream.getvalue().splitlines()]
    assert [(line[0], line[-2]) for line in lines[:2]] == [("table", "adopted"), ("rest-api", "adopted")]
    assert "adopted" not in [line[-2] for line in lines[2:]]
    tags = stack.stack_tags(settings)
    assert all(ownership.is_ours(found, tags) for found in tags_on_target(settings).values())
    item = Clients(settings)("dynamodb").get_item(TableName=settings.names.table, Key={"id": {"S": "precious"}})
    assert "Item" in item
    # AND a second up (without --adopt) finds everything its own
    again = Progress(io.StringIO())
    lifecycle.up(settings, again)
    assert set(again.outcomes.values()) == {Outcome.UNCHANGED}


def test_adopt__tags_the_target_does_not_keep_are_an_error():
    # GIVEN a target that accepts tags and drops them (LocalStack does, for log groups made without tags)
    resource = ownership.Resource("log-group", "/aws/lambda/f", lambda: {}, lambda _tags: None, lambda: (None, None))
    # WHEN up adopts it, THEN it stops, saying the tags were not kept
    with pytest.raises(ownership.OwnershipError, match="does not keep them"):
        ownership.preflight([resource], ownership.stack_tags("s"), "s", True, Progress(io.StringIO()))


def test_down_leaves_alone__what_lacks_the_stack_tags(settings):
    # GIVEN a stack that is up, whose table someone else now claims (its stack tag is gone)
    lifecycle.up(settings, Progress(io.StringIO()))
    dynamodb = Clients(settings)("dynamodb")
    arn = dynamodb.describe_table(TableName=settings.names.table)["Table"]["TableArn"]
    dynamodb.untag_resource(ResourceArn=arn, TagKeys=["harness:stack"])
    dynamodb.put_item(TableName=settings.names.table, Item={"id": {"S": "theirs"}})
    # WHEN down runs
    progress = Progress(io.StringIO())
    left_alone = lifecycle.down(settings, progress)
    # THEN the table stays with its item, reported as not ours, and everything else is deleted
    assert [(found.kind, found.name) for found in left_alone] == [("table", settings.names.table)]
    assert progress.outcomes["table"] is Outcome.NOT_OURS
    assert {kind: outcome for kind, outcome in progress.outcomes.items() if kind != "table"} == {
        kind: Outcome.DELETED for kind in KINDS if kind != "table"
    }
    assert "Item" in dynamodb.get_item(TableName=settings.names.table, Key={"id": {"S": "theirs"}})


def test_down_leaves_alone__what_the_target_cannot_read_tags_of():
    # GIVEN a target that does not implement the tag call at all
    def unsupported():
        raise ClientError({"Error": {"Code": "UnknownOperationException", "Message": ""}}, "ListTags")

    resource = ownership.Resource("function", "f", unsupported, lambda _tags: None, lambda: pytest.fail("deleted"))
    # WHEN down considers it, THEN unknown is never ours: it is left alone, saying why
    found, outcome = ownership.delete_if_ours(resource, ownership.stack_tags("s"))
    assert outcome is Outcome.NOT_OURS and "UnknownOperationException" in found.describe()


def test_log_group_tags__fall_back_to_the_old_call_where_the_new_one_is_missing(aws_env):
    logs = offline_client("logs")
    group = {"logGroupName": "/aws/lambda/f", "arn": "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:*"}
    with Stubber(logs) as stub:
        stub.add_response("describe_log_groups", {"logGroups": [group]}, {"logGroupNamePrefix": "/aws/lambda/f"})
        stub.add_client_error("list_tags_for_resource", "UnknownOperationException", expected_params=None)
        stub.add_response("list_tags_log_group", {"tags": {"a": "b"}}, {"logGroupName": "/aws/lambda/f"})
        assert log_group.read_tags(logs, "f") == {"a": "b"}


def test_cli_up__refusal_exits_2_naming_each_resource(settings, monkeypatch, capsys):
    # GIVEN an untagged table with the stack's name
    make(settings, "table")
    monkeypatch.setenv("HARNESS_STATE_DIR", str(settings.state_dir))
    # WHEN `up` runs from the command line
    code = cli.main(["up", "--target", "aws", "--yes", "--stack", "own"])
    # THEN exit 2; stderr names the table and its tags, then ends with one line saying how to proceed
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[0].split() == ["table", "own", "tags:", "none"]
    assert err[-1].startswith("error: refusing to up stack 'own'") and "--adopt" in err[-1]


def test_cli_down__not_ours_exits_0_with_a_note(settings, monkeypatch, capsys):
    make(settings, "table")
    monkeypatch.setenv("HARNESS_STATE_DIR", str(settings.state_dir))
    assert cli.main(["down", "--target", "aws", "--yes", "--stack", "own"]) == 0
    out = capsys.readouterr().out
    assert "not-ours" in out and "note: left alone 1 resource(s)" in out
    assert Clients(settings)("dynamodb").describe_table(TableName="own")["Table"]["TableName"] == "own"


class _LaggingTags:
    """A resource whose tag reads show the old (empty) set for ``stale_reads`` reads after a write, as DynamoDB's
    ListTagsOfResource may for a few seconds."""

    def __init__(self, kind: str, tags: dict[str, str], stale_reads: int) -> None:
        self.kind, self.tags, self.stale_reads = kind, tags, stale_reads

    def read(self) -> dict[str, str]:
        if self.stale_reads:
            self.stale_reads -= 1
            return {}
        return self.tags

    def tag(self, tags: dict[str, str]) -> None:
        self.tags = {**self.tags, **tags}

    def resource(self, delete=lambda: (None, Outcome.DELETED)) -> ownership.Resource:
        return ownership.Resource(self.kind, "lambda-apigateway", self.read, self.tag, delete)


def test_adopt_on_aws__tags_read_back_until_they_show(monkeypatch):
    # GIVEN the tutorial's table, whose tag reads lag the tag write by two reads
    lagging, sleeps = _LaggingTags("table", {}, stale_reads=3), []
    # WHEN up --adopt tags it, on AWS (reads may lag for TAG_PROPAGATION_S)
    ownership.preflight(
        [lagging.resource()], ownership.stack_tags("s"), "s", True, Progress(io.StringIO()), 10.0, sleeps.append
    )
    # THEN the read-back waited for the tags instead of failing the first time
    assert ownership.is_ours(lagging.read(), ownership.stack_tags("s")) and sleeps == [ownership.TAG_POLL_S] * 2


def test_down_on_aws_right_after_create__a_table_showing_no_tags_yet_is_still_deleted():
    # GIVEN this stack's table, just created: its first two tag reads show no tags yet
    lagging = _LaggingTags("table", ownership.stack_tags("s"), stale_reads=2)
    # WHEN down considers it on AWS, THEN it waits for the tags and deletes it instead of leaving it behind
    found, outcome = ownership.delete_if_ours(lagging.resource(), ownership.stack_tags("s"), 10.0, lambda _s: None)
    assert (found, outcome) == (None, Outcome.DELETED)
