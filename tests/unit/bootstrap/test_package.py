"""The deployment zip is deterministic: the same sources give the same CodeSha256."""

import io
import zipfile

import pytest

from bootstrap import package

pytestmark = pytest.mark.unit


def test_zip__is_byte_identical_across_builds(tmp_path):
    assert package.build_zip() == package.build_zip()
    assert package.build_zip(tmp_path) == package.build_zip(tmp_path) == package.build_zip()


def test_zip__holds_the_handler_and_its_libraries_but_not_boto3():
    names = zipfile.ZipFile(io.BytesIO(package.build_zip())).namelist()
    assert "handler/app.py" in names
    assert any(name.startswith("aws_lambda_powertools/") for name in names)
    assert any(name.startswith("simplejson/") for name in names)
    assert not any(name.startswith(("boto3/", "botocore/")) or "__pycache__" in name for name in names)
    assert names == sorted(names)


def test_zip__changes_when_a_source_changes(tmp_path, monkeypatch):
    handler_copy = tmp_path / "handler"
    handler_copy.mkdir()
    for source in package.HANDLER_DIR.glob("*.py"):
        (handler_copy / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(package, "HANDLER_DIR", handler_copy)
    before = package.code_sha256(package.build_zip(tmp_path / "cache"))
    (handler_copy / "app.py").write_text((handler_copy / "app.py").read_text() + "\n# changed\n")
    assert package.code_sha256(package.build_zip(tmp_path / "cache")) != before
