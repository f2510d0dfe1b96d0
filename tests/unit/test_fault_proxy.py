"""The fault proxy's stale-read bookkeeping and control API (its path through a real stack is tested end to end)."""

import threading

import pytest
import requests

from local_runtime.emulators.process import pick_port
from local_runtime.fault_proxy import serve
from local_runtime.stale_reads import StaleReads
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


def test_set_window__one_table_only_and_back_to_the_default():
    stale = StaleReads(window_s=0.0, key_attributes=("id",))
    stale.set_window("t", 5)
    stale.record_write("t", KEY, None)
    stale.record_write("other", KEY, None)
    assert stale.stale_version("t", KEY) == (True, None)
    assert stale.stale_version("other", KEY) == (False, None)
    stale.set_window("t", None)
    assert stale.window_for("t") == 0.0
    assert stale.stale_version("t", KEY) == (False, None)


@pytest.fixture
def shared_proxy():
    """A shared proxy on loopback; its upstream is never called by the control API."""
    port = pick_port(4650)
    server = serve("http://127.0.0.1:9", port, 0.0, ("id",))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def test_control_api__health_names_the_url_functions_use(shared_proxy):
    answer = requests.get(f"{shared_proxy}/_harness/health", timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "function_url": shared_proxy}


def test_control_api__put_list_delete_a_table_window(shared_proxy):
    # GIVEN a shared proxy with no windows
    url = f"{shared_proxy}/_harness/consistency/my%20table"
    # WHEN a window is set for one table, THEN it is listed; WHEN deleted, THEN it is gone
    assert requests.put(url, json={"window_ms": 1500}, timeout=5).json() == {"table": "my table", "window_ms": 1500}
    listed = requests.get(f"{shared_proxy}/_harness/consistency", timeout=5).json()
    assert listed == {"default_window_ms": 0.0, "tables": {"my table": 1500.0}}
    assert requests.delete(url, timeout=5).status_code == 200
    assert requests.get(f"{shared_proxy}/_harness/consistency", timeout=5).json()["tables"] == {}


@pytest.mark.parametrize("body", [{}, {"window_ms": "soon"}, {"window_ms": -1}, {"window_ms": 1e12}, [1]])
def test_control_api__bad_window__400_naming_the_rule(shared_proxy, body):
    answer = requests.put(f"{shared_proxy}/_harness/consistency/t", json=body, timeout=5)
    assert answer.status_code == 400
    assert "window_ms" in answer.json()["error"]


def test_control_api__unknown_path__404(shared_proxy):
    assert requests.get(f"{shared_proxy}/_harness/nothing", timeout=5).status_code == 404
