"""The generated parts of docs/ are what their generators render from the code: they must agree."""

import inspect
import re

import pytest

from bootstrap.settings import DOCUMENTED, Settings
from tests import docs_pages

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("page", list(docs_pages.GENERATED), ids=lambda page: page.name)
def test_generated_part__is_what_the_generator_renders(page):
    markers, render = docs_pages.GENERATED[page]
    assert docs_pages.between(page.read_text(), markers) == render(), "run: python -m tests.docs_pages --write"


def test_every_variable_the_settings_read__is_documented():
    # GIVEN the variables Settings.from_env reads (the limits' names included), THEN the settings page has each
    read = set(re.findall(r'"((?:HARNESS|AWS)_\w+)"', inspect.getsource(Settings.from_env)))
    read |= set(re.findall(r'"(HARNESS_\w+)"', inspect.getsource(inspect.getmodule(Settings))))
    documented = {setting.variable for setting in DOCUMENTED}
    old_names = {"HARNESS_CONSISTENCY_PROXY_URL", "AWS_ENDPOINT"}  # named in another row's text
    assert sorted(read - documented - old_names) == []


def test_settings_table__one_row_per_variable_and_flag():
    variables = [setting.variable for setting in DOCUMENTED if setting.variable]
    flags = [setting.flag for setting in DOCUMENTED if setting.flag]
    assert len(variables) == len(set(variables)) and len(flags) == len(set(flags))
    assert all(setting.group and setting.default and setting.meaning for setting in DOCUMENTED)


def test_replaced__changes_only_what_is_between_the_markers():
    markers = ("<!-- x:start -->", "<!-- x:end -->")
    page = "before\n<!-- x:start -->\nold\n<!-- x:end -->\nafter\n"
    assert docs_pages.replaced(page, markers, "new\n") == "before\n<!-- x:start -->\nnew\n<!-- x:end -->\nafter\n"
    with pytest.raises(ValueError, match="markers"):
        docs_pages.between("no markers here", markers)
