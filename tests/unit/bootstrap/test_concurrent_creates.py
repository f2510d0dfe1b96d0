"""Two ``up``s of the same stack at once: whatever the other one creates between our describe and our create
("already exists", "in use") is taken as existing, and ``up`` converges."""

import io

import pytest
from botocore import xform_name

from bootstrap.clients import Clients
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, Settings
from harness_cli import lifecycle

pytestmark = pytest.mark.unit

# Every create ``up`` makes after a describe that found nothing.
CREATES = {
    "CreateTable",
    "CreateRole",
    "CreateLogGroup",
    "CreateFunction",
    "AddPermission",
    "CreateStage",
    "CreateUsagePlanKey",
}


@pytest.fixture
def someone_else_first(monkeypatch):
    """Every create is made first by another client (another checkout's ``up``), then by ours."""
    preempted: list[str] = []
    make = Clients._make

    def make_preempted(self, service, **overrides):
        client, other = make(self, service, **overrides), make(self, service)

        def create_first(params, model, **_kwargs):
            if model.name in CREATES:
                preempted.append(model.name)
                getattr(other, xform_name(model.name))(**params)

        client.meta.events.register(
            f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}", create_first
        )
        return client

    monkeypatch.setattr(Clients, "_make", make_preempted)
    return preempted


def test_up_racing_another_up__takes_what_it_made_as_existing_and_converges(moto_aws, tmp_path, someone_else_first):
    settings = Settings(target=AWS, stack_name="raced", state_dir=tmp_path / "state")
    # WHEN every resource is created by someone else between our describe and our create
    outputs = lifecycle.up(settings, Progress(io.StringIO()))
    # THEN up went through every create that way, and converged on the resources that exist
    assert CREATES <= set(someone_else_first)
    assert outputs["table_name"] == settings.names.table and outputs["function_arn"].endswith(settings.names.function)
    # AND a second up finds everything as it should be
    someone_else_first.clear()
    progress = Progress(io.StringIO())
    lifecycle.up(settings, progress)
    assert someone_else_first == []
    changed = {name: outcome for name, outcome in progress.outcomes.items() if outcome is not Outcome.UNCHANGED}
    assert changed == {}
