"""The function's deployment package: ``handler/`` plus the pure-Python libraries it imports.

The zip is deterministic (sorted entries, fixed timestamps and modes), so unchanged code gives an
unchanged CodeSha256 and ``up`` skips the upload. boto3 is not bundled: every Lambda Python runtime
has it. The built zip is cached under ``.stack/`` keyed by the sources' sizes and mtimes.
"""

import base64
import hashlib
import importlib.util
import io
import zipfile
from pathlib import Path

from bootstrap.settings import PROJECT_ROOT

HANDLER_DIR = PROJECT_ROOT / "handler"
# Imported by the handler at run time and absent from the Lambda runtime (boto3 and botocore are there).
BUNDLED_PACKAGES = ("aws_lambda_powertools", "simplejson", "jmespath", "typing_extensions")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _package_files(name: str) -> list[tuple[str, Path]]:
    """(archive name, file) for every .py file of an importable package or module."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is not installed; run: pip install -e '.[dev]'")
    origin = Path(spec.origin)
    if origin.name != "__init__.py":
        return [(origin.name, origin)]
    root = origin.parent
    return [(f"{name}/{path.relative_to(root).as_posix()}", path) for path in root.rglob("*.py")]


def source_files() -> list[tuple[str, Path]]:
    """Every file that goes into the zip, sorted by archive name."""
    files = [(f"handler/{path.relative_to(HANDLER_DIR).as_posix()}", path) for path in HANDLER_DIR.rglob("*.py")]
    for package in BUNDLED_PACKAGES:
        files.extend(_package_files(package))
    return sorted(files)


def _build(files: list[tuple[str, Path]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for arcname, path in files:
            info = zipfile.ZipInfo(arcname, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def build_zip(cache_dir: Path | None = None) -> bytes:
    """The deployment package; reuse the cached zip while no source file changed."""
    files = source_files()
    if cache_dir is None:
        return _build(files)
    stamp = hashlib.sha256(
        "\n".join(f"{name}:{path.stat().st_size}:{path.stat().st_mtime_ns}" for name, path in files).encode()
    ).hexdigest()
    cached, key = cache_dir / "function.zip", cache_dir / "function.zip.key"
    if cached.exists() and key.exists() and key.read_text() == stamp:
        return cached.read_bytes()
    data = _build(files)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    key.write_text(stamp)
    return data


def code_sha256(data: bytes) -> str:
    """The digest Lambda reports as CodeSha256 (base64 of the SHA-256)."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()
