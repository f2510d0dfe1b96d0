"""Markers are required: every test is exactly one of unit, e2e or aws; aws runs only when asked for."""

import pytest

TARGET_MARKERS = ("unit", "e2e", "aws")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked_for_aws = "aws" in (config.getoption("-m") or "")
    skip_aws = pytest.mark.skip(reason="touches a real AWS account: run with 'tox -e aws' (pytest -m aws)")
    for item in items:
        found = [name for name in TARGET_MARKERS if item.get_closest_marker(name)]
        if len(found) != 1:
            raise pytest.UsageError(f"{item.nodeid} must carry exactly one of {TARGET_MARKERS}, has {found}")
        if found == ["aws"] and not asked_for_aws:
            item.add_marker(skip_aws)
