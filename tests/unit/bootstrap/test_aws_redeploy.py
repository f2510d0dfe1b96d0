"""Issue 14, point 4: the stage is redeployed whenever its deployment is not of the method as now defined,
whatever this run did: an ``up`` interrupted after changing the method is caught up by the next one (moto)."""

import io

import pytest

from bootstrap import stage
from bootstrap.clients import Clients
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, Settings
from bootstrap.target import Target
from harness_cli import lifecycle

pytestmark = pytest.mark.unit


@pytest.fixture
def settings(moto_aws, tmp_path) -> Settings:
    return Settings(target=AWS, stack_name="redeploy", state_dir=tmp_path)


def deployed(settings: Settings, api_id: str) -> str | None:
    apigw = Clients(settings)("apigateway")
    return stage.deployed_description(apigw, api_id, apigw.get_stage(restApiId=api_id, stageName=settings.stage))


def test_up_interrupted_after_the_method_changed__next_up_deploys_it(settings, monkeypatch):
    # GIVEN a stack that is up, and a new definition of the method (here: the integration calls an alias)
    first = lifecycle.up(settings, Progress(io.StringIO()))
    before = deployed(settings, first["rest_api_id"])
    integration_uri = Target.integration_uri
    monkeypatch.setattr(Target, "integration_uri", lambda target, arn: integration_uri(target, f"{arn}:live"))

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt("killed after the method step")

    # WHEN an up changes the method and is killed before the stage step
    real_ensure_stage = stage.ensure_stage
    monkeypatch.setattr(stage, "ensure_stage", killed)
    interrupted = Progress(io.StringIO())
    with pytest.raises(KeyboardInterrupt):
        lifecycle.up(settings, interrupted)
    assert interrupted.outcomes["method"] is Outcome.UPDATED
    monkeypatch.setattr(stage, "ensure_stage", real_ensure_stage)
    # AND the next up finds the method unchanged
    rerun = Progress(io.StringIO())
    lifecycle.up(settings, rerun)
    # THEN it still deploys, because the stage's deployment is of the old method
    assert (rerun.outcomes["method"], rerun.outcomes["stage"]) == (Outcome.UNCHANGED, Outcome.UPDATED)
    assert deployed(settings, first["rest_api_id"]) not in (None, before)
    # AND once deployed, nothing is left to do
    again = Progress(io.StringIO())
    lifecycle.up(settings, again)
    assert again.outcomes["stage"] is Outcome.UNCHANGED


def test_stage_on_a_deployment_made_by_hand__is_redeployed(settings):
    # GIVEN the stage moved to a deployment the harness did not make (no fingerprint)
    outputs = lifecycle.up(settings, Progress(io.StringIO()))
    apigw, api_id = Clients(settings)("apigateway"), outputs["rest_api_id"]
    by_hand = apigw.create_deployment(restApiId=api_id, description="by hand")
    patch = [{"op": "replace", "path": "/deploymentId", "value": by_hand["id"]}]
    apigw.update_stage(restApiId=api_id, stageName=settings.stage, patchOperations=patch)
    # WHEN up runs, THEN the stage gets a deployment of the method as defined
    progress = Progress(io.StringIO())
    lifecycle.up(settings, progress)
    assert progress.outcomes["stage"] is Outcome.UPDATED
    assert deployed(settings, api_id).startswith("harness up; method ")
