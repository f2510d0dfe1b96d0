"""Issue 14, point 12: a CreateRestApi or CreateApiKey retried after a timeout can leave two of one name. ``up``
says so, naming their ids, and keeps using the oldest; ``down`` deletes every one tagged as the stack's (moto)."""

import io

import pytest

from bootstrap import api, stack, usage
from bootstrap.clients import Clients
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, Settings
from harness_cli import lifecycle

pytestmark = pytest.mark.unit


@pytest.fixture
def settings(moto_aws, tmp_path) -> Settings:
    return Settings(target=AWS, stack_name="twice", state_dir=tmp_path)


def duplicate(settings: Settings, tags: dict[str, str]) -> tuple[str, str]:
    """A second REST API and API key under the stack's names, as a retried create leaves them."""
    apigw = Clients(settings)("apigateway")
    rest_api = apigw.create_rest_api(name=settings.names.rest_api, tags=tags)
    key = apigw.create_api_key(name=settings.names.api_key, enabled=True, tags=tags)
    return rest_api["id"], key["id"]


def test_up__names_the_duplicates_and_keeps_using_one(settings):
    # GIVEN a stack that is up, and a second REST API and key of its names carrying its tags
    first = lifecycle.up(settings, Progress(io.StringIO()))
    first_key = usage.find_api_keys(Clients(settings)("apigateway"), settings.names.api_key)[0]["id"]
    api_id, key_id = duplicate(settings, stack.stack_tags(settings))
    # WHEN up runs again
    progress = Progress(io.StringIO())
    again = lifecycle.up(settings, progress)
    # THEN one warning line per kind names both ids
    warnings = [line for line in progress.stream.getvalue().splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert (
        "2 REST APIs named twice-api" in warnings[0] and first["rest_api_id"] in warnings[0] and api_id in warnings[0]
    )
    assert "2 API keys named twice-key" in warnings[1] and first_key in warnings[1] and key_id in warnings[1]
    # AND the stack keeps using one of them, the same run after run
    assert lifecycle.up(settings, Progress(io.StringIO()))["rest_api_id"] == again["rest_api_id"]


def test_down__deletes_every_duplicate_tagged_as_the_stacks(settings):
    lifecycle.up(settings, Progress(io.StringIO()))
    duplicate(settings, stack.stack_tags(settings))
    # WHEN down runs
    progress = Progress(io.StringIO())
    assert lifecycle.down(settings, progress) == []
    # THEN no REST API and no key of the stack's names is left
    apigw = Clients(settings)("apigateway")
    assert api.find_rest_apis(apigw, settings.names.rest_api) == []
    assert usage.find_api_keys(apigw, settings.names.api_key) == []
    assert progress.outcomes["rest-api"] is Outcome.DELETED


def test_down__leaves_a_duplicate_without_the_stacks_tags(settings):
    lifecycle.up(settings, Progress(io.StringIO()))
    api_id, key_id = duplicate(settings, {})
    left_alone = lifecycle.down(settings, Progress(io.StringIO()))
    assert sorted((found.kind, found.name) for found in left_alone) == [
        ("api-key", f"twice-key ({key_id})"),
        ("rest-api", f"twice-api ({api_id})"),
    ]
    assert [item["id"] for item in api.find_rest_apis(Clients(settings)("apigateway"), "twice-api")] == [api_id]
