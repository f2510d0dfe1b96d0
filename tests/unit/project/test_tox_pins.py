"""tox's envs that do not install the project pin their tools exactly, and as pyproject.toml does where it pins
them too; every env the README and the docs tell you to run exists."""

import configparser
import re
import tomllib

import pytest

from tests.support.paths import ROOT

pytestmark = pytest.mark.unit


def _name(requirement: str) -> str:
    return re.split(r"[=<>\[;\s]", requirement, maxsplit=1)[0].lower()


def test_tox_deps__the_same_exact_versions_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    pinned = {_name(requirement): requirement.split(";")[0].strip() for requirement in requirements}
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    checked = 0
    for section in tox.sections():
        for line in tox[section].get("deps", "").split("\n"):
            if line.strip():
                assert "==" in line, f"[{section}] {line}: not pinned"
                if _name(line) in pinned:
                    assert re.sub(r"\[[^]]*\]", "", pinned[_name(line)]) == line.strip(), f"[{section}] {line}"
                    checked += 1
    assert checked >= 1  # lint's ruff


def test_every_env_the_docs_name__is_declared_in_tox_ini():
    # tox 4 refuses `-e <name>` for a name that tox.ini does not declare (pyXY names aside, which it makes itself)
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    declared = {section.removeprefix("testenv:") for section in tox.sections() if section.startswith("testenv:")}
    pages = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    named = {env for page in pages for env in re.findall(r"(?:tox|harness test) -e ([\w-]+)", page.read_text())}
    assert named - {"py"}, "the docs name no env: the pattern no longer matches"
    assert sorted(named - declared - {"py"}) == []
