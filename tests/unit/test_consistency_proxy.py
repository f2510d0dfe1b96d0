"""The stale-read bookkeeping of the consistency proxy (the proxy itself is tested end to end)."""

import pytest

from bootstrap.consistency_proxy import StaleReads
from tests.support import poll

pytestmark = pytest.mark.unit
KEY = {"id": {"S": "1"}}


def test_new_item__reads_as_missing_within_the_window_then_fresh():
    stale = StaleReads(window_s=0.2, key_attributes=("id",))
    stale.record_write("t", KEY, None)
    assert stale.stale_version("t", KEY) == (True, None)
    assert poll(lambda: stale.stale_version("t", KEY), accept=lambda v: not v[0], timeout=5, interval=0.02) == (
        False,
        None,
    )


def test_two_writes_in_one_window__readers_still_see_the_version_before_the_first():
    stale = StaleReads(window_s=5, key_attributes=("id",))
    stale.record_write("t", KEY, {"id": {"S": "1"}, "v": {"N": "1"}})
    stale.record_write("t", KEY, {"id": {"S": "1"}, "v": {"N": "2"}})
    assert stale.stale_version("t", KEY) == (True, {"id": {"S": "1"}, "v": {"N": "1"}})


def test_key_of__put_uses_the_item_key_attributes_only():
    stale = StaleReads(window_s=1, key_attributes=("id",))
    assert stale.key_of("PutItem", {"Item": {"id": {"S": "1"}, "x": {"S": "y"}}}) == KEY
    assert stale.key_of("DeleteItem", {"Key": KEY}) == KEY


def test_other_tables_and_keys__are_not_stale():
    stale = StaleReads(window_s=5, key_attributes=("id",))
    stale.record_write("t", KEY, None)
    assert stale.stale_version("other", KEY) == (False, None)
    assert stale.stale_version("t", {"id": {"S": "2"}}) == (False, None)
