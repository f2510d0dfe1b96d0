"""Which server serves MiniStack's app, and that what ``ministack.app.main`` sets around hypercorn is still
what ``ministack_server.serve`` copies (an upgrade that changes it fails here)."""

import inspect

import pytest
from ministack import app as ministack_app

from local_runtime.ministack import server as ministack_server

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("switch", "use_ssl", "expected"),
    [(None, None, True), ("uvicorn", None, True), ("hypercorn", None, False), (None, "1", False)],
)
def test_wanted__uvicorn_unless_hypercorn_is_asked_for_or_tls_is_on(monkeypatch, switch, use_ssl, expected):
    for name, value in ((ministack_server.SWITCH, switch), ("USE_SSL", use_ssl)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert ministack_server.wanted() is expected


def test_serve__hypercorn_asked_for__runs_ministacks_own_main(monkeypatch):
    # GIVEN hypercorn is asked for
    monkeypatch.setenv(ministack_server.SWITCH, "hypercorn")
    ran = []
    # WHEN serve runs
    ministack_server.serve(lambda: ran.append("main"))
    # THEN MiniStack's own main ran (and nothing else was started)
    assert ran == ["main"]


def test_ministack_main__still_sets_what_serve_copies():
    source = inspect.getsource(ministack_app.main)
    assert f"config.keep_alive_timeout = {ministack_server.KEEP_ALIVE_S}" in source
    assert 'os.environ.get("BIND_HOST", "0.0.0.0")' in source
    assert "RLIMIT_NOFILE" in source and "_pid_file(port)" in source
    assert "asyncio.run(hypercorn_serve(app, config))" in source
    assert ministack_app._resolve_port.__code__.co_argcount == 0
    # MiniStack adds the one Date a response carries, so the server is told to add none
    assert "_with_date_header(send)" in inspect.getsource(ministack_app.app)
