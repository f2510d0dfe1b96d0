import pytest

from tests.support.polling import poll

pytestmark = pytest.mark.unit


def test_poll__returns_as_soon_as_accepted():
    calls = []
    assert poll(lambda: calls.append(1) or len(calls), accept=lambda n: n == 3, timeout=5, interval=0) == 3


def test_poll__raises_with_the_last_result_at_the_deadline():
    with pytest.raises(TimeoutError, match="last result: 'stale'"):
        poll(lambda: "stale", accept=lambda value: value == "fresh", timeout=0.05, interval=0.01)
