"""The one place boto3 clients are made: endpoint, region and credentials pre-filled for the target."""

import os
import threading
import weakref
from collections import OrderedDict
from typing import Any

import boto3
import botocore.client
import botocore.handlers
import botocore.loaders
import botocore.session
from botocore.config import Config

from bootstrap import quota
from bootstrap.settings import Settings

# Emulators accept any credentials; fixed dummy ones keep a user's real keys away from them.
EMULATOR_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
# API Gateway throttles control-plane calls on AWS (TooManyRequestsException): adaptive mode backs off, and
# the calls with a documented per-account interval wait that long (bootstrap/quota.py, real AWS only).
_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=60)
# botocore itself follows AWS_ENDPOINT_URL[_<SERVICE>] and the config file's endpoint_url. Real AWS must
# mean AWS: a client for it ignores them all, so what the tool says matches where its calls go.
AWS_ONLY = Config(ignore_configured_endpoint_urls=True)  # type: ignore[call-arg]  # botocore-stubs lacks the option


# Every session of this process reads the service models through one loader, so each model file is read
# and parsed once per process instead of once per session (about 0.4 s of JSON per session otherwise; the
# test suite makes hundreds of sessions).
class _SearchPaths(list[str]):
    """boto3 appends its own data folder to the loader's search paths for every session: keep one of each."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


_SHARED_LOADER = botocore.loaders.Loader(extra_search_paths=_SearchPaths())  # what create_loader() makes


def _new_session() -> boto3.session.Session:
    """A boto3 session like ``boto3.session.Session()``, sharing this process's service-model loader."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _SHARED_LOADER)
    return boto3.session.Session(botocore_session=core)


# Making a session registers botocore's ~200 built-in handlers, and a session's first client of a service is
# dearer than the next (about 16 ms and 30 ms here): one ``up`` made one session and seven clients, the test
# suite thousands. A session is reused for as long as nothing it was made from has changed.
_SESSIONS: OrderedDict[tuple[object, ...], boto3.session.Session] = OrderedDict()
_SESSIONS_LOCK = threading.Lock()
_SESSIONS_KEPT = 8


def _file_version(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(os.path.expanduser(path))
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def _session_key() -> tuple[object, ...]:
    """What two sessions made at different moments could differ by: the thread (a session is not thread-safe),
    the AWS_* environment (profile, credentials, region, which config files), the home folder and the config
    and credentials files themselves (a session reads them once), and botocore's built-in handlers (moto and
    the unit tests add theirs)."""
    aws_environment = tuple(sorted((name, value) for name, value in os.environ.items() if name.startswith("AWS_")))
    files = (
        os.environ.get("AWS_CONFIG_FILE", "~/.aws/config"),
        os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    )
    homes = (os.environ.get("HOME"), os.environ.get("USERPROFILE"))
    versions = tuple(_file_version(path) for path in files)
    return threading.get_ident(), aws_environment, homes, versions, tuple(botocore.handlers.BUILTIN_HANDLERS)


def shared_session() -> boto3.session.Session:
    """This thread's session for the current environment: made once, then reused (the last few are kept)."""
    key = _session_key()
    with _SESSIONS_LOCK:
        session = _SESSIONS.pop(key, None) or _new_session()
        _SESSIONS[key] = session
        while len(_SESSIONS) > _SESSIONS_KEPT:
            _SESSIONS.popitem(last=False)
    return session


def share_service_models_process_wide() -> None:
    """Every botocore session made from now on in this process, ours or a library's (boto3's default session,
    moto's), reads the service models through the shared loader. For the test suite, which makes thousands."""
    default_loader = botocore.session.create_loader

    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        return _SHARED_LOADER if search_path_string is None else default_loader(search_path_string)

    botocore.session.create_loader = shared_loader


class Clients:
    """Makes and caches one client per service for the settings' target."""

    def __init__(self, settings: Settings, endpoint_url: str | None = None, session: Any = None) -> None:
        self.settings = settings
        self.endpoint_url = endpoint_url if endpoint_url is not None else settings.endpoint_url
        # A boto3 session, or anything with its ``client()`` (the tests record what clients are made with).
        self._session: Any = session or shared_session()
        self._cache: dict[str, Any] = {}

    def __call__(self, service: str, **overrides: Any) -> Any:
        if overrides:
            return self._make(service, **overrides)
        if service not in self._cache:
            self._cache[service] = self._make(service)
        return self._cache[service]

    def _make(self, service: str, **overrides: Any) -> Any:
        """A client with our config merged under the caller's ``config`` (which cannot undo ``AWS_ONLY``)."""
        config = _CONFIG.merge(overrides.pop("config")) if "config" in overrides else _CONFIG
        options: dict[str, Any] = {"region_name": self.settings.region}
        if self.settings.is_emulated:
            options.update(EMULATOR_CREDENTIALS, endpoint_url=self.endpoint_url)
        else:
            config = config.merge(AWS_ONLY)
        options.update(overrides)
        client = self._session.client(service, config=config, **options)
        if service == "apigateway" and not self.settings.is_emulated:
            quota.register(client)
        return client


def share_client_classes_process_wide() -> None:
    """For every client, botocore builds a new service model (so each client builds its operation models again on
    its first calls) and a new client class (one method per operation: ~120 for API Gateway). From now on in this
    process a model is built once per loader, service and API version, and a class once per session's event
    handlers and model. For the test suite, which makes thousands of clients: a quarter of the moto-backed unit
    tests' time went to making them (py-spy)."""
    creator = botocore.client.ClientCreator
    # Private methods of botocore's, which botocore-stubs does not declare.
    build_model, build_class = creator._load_service_model, creator._create_client_class  # type: ignore[attr-defined]
    # loader -> (service, version) -> model, and event emitter -> model -> class
    models: weakref.WeakKeyDictionary[Any, dict[tuple[str, str | None], Any]] = weakref.WeakKeyDictionary()
    classes: weakref.WeakKeyDictionary[Any, dict[Any, type]] = weakref.WeakKeyDictionary()
    lock = threading.RLock()  # a creating-client-class handler may make a client itself

    def shared_model(self: Any, service_name: str, api_version: str | None = None) -> Any:
        with lock:
            made = models.setdefault(self._loader, {})
            if (service_name, api_version) not in made:
                made[service_name, api_version] = build_model(self, service_name, api_version)
            return made[service_name, api_version]

    def shared_class(self: Any, service_name: str, service_model: Any) -> type:
        with lock:
            made = classes.setdefault(self._event_emitter, {})
            if service_model not in made:
                made[service_model] = build_class(self, service_name, service_model)
            return made[service_model]

    creator._load_service_model, creator._create_client_class = shared_model, shared_class  # type: ignore[attr-defined]
