"""The documents' surprise: GetItem is eventually consistent by default on AWS.

A first read right after a write may miss it. Two ways to read your own write, both tested:
``ConsistentRead: true`` (visible at once), or polling with a deadline (what the suite does otherwise).
Emulators are always consistent, so these pass trivially there; on AWS (tox -e aws) they are the real test.
"""

import uuid

import pytest

from tests.support.polling import poll

pytestmark = pytest.mark.e2e


def test_consistent_read__sees_the_write_at_once(api):
    item_id = f"ec-{uuid.uuid4()}"
    api.call({"operation": "create", "payload": {"Item": {"id": item_id, "v": 1}}})
    response = api.post({"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}})
    assert response.status_code == 200 and response.json()["Item"]["v"] == 1


def test_eventually_consistent_read__polled_with_a_deadline(api):
    item_id = f"ec-{uuid.uuid4()}"
    api.call({"operation": "create", "payload": {"Item": {"id": item_id, "v": 1}}})
    response = poll(
        lambda: api.post({"operation": "read", "payload": {"Key": {"id": item_id}}}),
        accept=lambda r: r.status_code == 200,
        timeout=10,
    )
    assert response.json()["Item"] == {"id": item_id, "v": 1}


def test_eventually_consistent_update__polled_until_the_new_value(api):
    item_id = f"ec-{uuid.uuid4()}"
    api.call({"operation": "create", "payload": {"Item": {"id": item_id, "v": 1}}})
    api.call(
        {
            "operation": "update",
            "payload": {
                "Key": {"id": item_id},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": 2},
            },
        }
    )
    response = poll(
        lambda: api.post({"operation": "read", "payload": {"Key": {"id": item_id}}}),
        accept=lambda r: r.status_code == 200 and r.json()["Item"]["v"] == 2,
        timeout=10,
    )
    assert response.json()["Item"]["v"] == 2
