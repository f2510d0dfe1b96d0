"""The documents' requests (``fixtures/requests/*.json``) and the bad requests (``fixtures/bad_requests.json``)."""

import json
from typing import Any

import pytest

from tests.support.paths import FIXTURES

REQUEST_NAMES = sorted(path.stem for path in (FIXTURES / "requests").glob("*.json"))


def load_request(name: str, **overrides: Any) -> dict[str, Any]:
    """One of the documents' requests from ``fixtures/requests/<name>.json``, with top-level overrides."""
    document = json.loads((FIXTURES / "requests" / f"{name}.json").read_text())
    document.update(overrides)
    return document


def bad_request_cases() -> list[Any]:
    """``fixtures/bad_requests.json`` as pytest params named by case."""
    cases = json.loads((FIXTURES / "bad_requests.json").read_text())
    return [pytest.param(case, id=case["name"]) for case in cases]
