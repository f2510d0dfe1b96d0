"""With the opt-in stale-read window, the local stack behaves like DynamoDB's eventually consistent reads.

A naive read-after-write fails under it, as it can on AWS; the suite's two ways pass: ConsistentRead,
and polling with a deadline.
"""

import io
import uuid
from collections.abc import Iterator

import pytest

from benchmarks.load import Api
from bootstrap.report import Progress
from harness_cli import lifecycle
from tests.e2e.conftest import extra_stack_settings
from tests.support.polling import poll

pytestmark = [pytest.mark.e2e, pytest.mark.needs("faults")]  # the stale-read window is the fault proxy's
WINDOW_MS = 1500


@pytest.fixture(scope="module")
def stale_api(settings, outputs, tmp_path_factory) -> Iterator[Api]:
    """One stack with a stale-read window for the whole module, on the session's emulator (AWS is eventually
    consistent already)."""
    stale = extra_stack_settings(settings, outputs, tmp_path_factory.mktemp("stale"), consistency_window_ms=WINDOW_MS)
    try:
        created = lifecycle.up(stale, Progress(io.StringIO()))
        yield Api(created["api_url"], created["api_key"])
    finally:
        lifecycle.down(stale, Progress(io.StringIO()))


@pytest.mark.aws_behaviour("read-after-write")
def test_naive_read_after_write__misses_the_new_item(stale_api):
    item_id = f"stale-{uuid.uuid4()}"
    stale_api.call({"operation": "create", "payload": {"Item": {"id": item_id}}})
    assert stale_api.post({"operation": "read", "payload": {"Key": {"id": item_id}}}).status_code == 404


@pytest.mark.aws_behaviour("read-after-update")
def test_naive_read_after_update__sees_the_old_version(stale_api):
    item_id = f"stale-{uuid.uuid4()}"
    stale_api.call({"operation": "create", "payload": {"Item": {"id": item_id, "v": 1}}})
    poll(
        lambda: stale_api.post({"operation": "read", "payload": {"Key": {"id": item_id}}}).status_code,
        accept=lambda status: status == 200,
        timeout=10,
    )
    stale_api.call(
        {
            "operation": "update",
            "payload": {
                "Key": {"id": item_id},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": 2},
            },
        }
    )
    assert stale_api.call({"operation": "read", "payload": {"Key": {"id": item_id}}})["Item"]["v"] == 1


def test_consistent_read__sees_the_write_at_once(stale_api):
    item_id = f"stale-{uuid.uuid4()}"
    stale_api.call({"operation": "create", "payload": {"Item": {"id": item_id}}})
    read = {"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}}
    assert stale_api.call(read) == {"Item": {"id": item_id}}


def test_polling_with_a_deadline__sees_the_write_after_the_window(stale_api):
    item_id = f"stale-{uuid.uuid4()}"
    stale_api.call({"operation": "create", "payload": {"Item": {"id": item_id}}})
    response = poll(
        lambda: stale_api.post({"operation": "read", "payload": {"Key": {"id": item_id}}}),
        accept=lambda r: r.status_code == 200,
        timeout=WINDOW_MS / 1000 * 5,
    )
    assert response.json() == {"Item": {"id": item_id}}


def test_create_without_return_values__answers_as_without_the_proxy(stale_api):
    item_id = f"stale-{uuid.uuid4()}"
    stale_api.call({"operation": "create", "payload": {"Item": {"id": item_id, "v": 1}}})
    # The proxy asks DynamoDB for the old item behind the caller's back; the caller must not see it.
    assert stale_api.call({"operation": "create", "payload": {"Item": {"id": item_id, "v": 2}}}) == {}
