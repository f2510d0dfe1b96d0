"""docker/localstack/Dockerfile cuts LocalStack's virtualenv down to what this stack loads. What it removes must
agree with imported-modules.txt, the modules a whole end-to-end run on the image imported (written by
docker/localstack/record_imports.py): nothing removed may be something a run imported."""

import re

import pytest

from tests.support.paths import ROOT

pytestmark = pytest.mark.unit
FOLDER = ROOT / "docker" / "localstack"
DOCKERFILE = (FOLDER / "Dockerfile").read_text()
# The top-level modules of each package the Dockerfile uninstalls, where they are not its name with "_" for "-".
MODULES_OF = {
    "cfn-lint": {"cfnlint"},
    "aws-sam-translator": {"samtranslator"},
    "kclpy-ext": {"amazon_kclpy"},
    "opensearch-py": {"opensearchpy"},
    "opensearch-protobufs": {"opensearch"},
    "grpcio": {"grpc"},
    "graphql-core": {"graphql"},
    "awscrt": {"awscrt", "_awscrt"},
    "setuptools": {"setuptools", "pkg_resources", "_distutils_hack"},
}


def _arg(name: str) -> list[str]:
    match = re.search(rf'^ARG {name}="([^"]*)"$', DOCKERFILE, re.MULTILINE)
    assert match, f"the Dockerfile sets no ARG {name}"
    return match.group(1).split()


def _imported() -> list[str]:
    lines = (FOLDER / "imported-modules.txt").read_text().splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_imported_modules__a_sorted_list_without_repeats():
    modules = _imported()
    assert modules == sorted(set(modules))
    assert "localstack.runtime.main" in modules


@pytest.mark.parametrize("arg", ["UNUSED_PACKAGES", "INSTALLER_PACKAGES"])
def test_uninstalled_packages__none_was_imported(arg):
    top_levels = {module.split(".")[0] for module in _imported()}
    for package in _arg(arg):
        assert not MODULES_OF.get(package, {package.replace("-", "_")}) & top_levels, package


def test_moto_backends__every_backend_a_run_imported_is_kept():
    imported = {module.split(".")[1] for module in _imported() if module.startswith("moto.") and module.count(".") > 1}
    assert imported <= set(_arg("MOTO_BACKENDS"))
