"""AWS-only checks share the end-to-end fixtures (one stack per session on the selected target)."""

from tests.e2e.conftest import api, backend, clients, outputs, settings  # noqa: F401 - pytest fixtures
