"""备份与恢复: an installation backed up and restored whole, on the database the tests run on."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.db import connection

from renda.core.backup import BackupError, backup_restore

REPO = Path(__file__).resolve().parents[4]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def installation(tmp_path, db):
    """A separate installation (its own data directory and database) on the vendor under test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"RENDA_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "renda.settings"})
    env.pop("SECRET_KEY", None)
    scratch = None
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        scratch = f"renda_backup_{uuid.uuid4().hex[:8]}"
        admin_sql(s, f'CREATE DATABASE "{scratch}"')
        env["DATABASE_URL"] = (
            f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{scratch}"
        )
    else:
        env.pop("DATABASE_URL", None)
    yield env
    if scratch:
        admin_sql(s, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def admin_sql(settings_dict: dict, sql: str) -> None:
    """CREATE / DROP DATABASE, which need their own connection outside a transaction."""
    import psycopg

    with psycopg.connect(
        dbname="postgres",
        user=settings_dict["USER"],
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        autocommit=True,
    ) as conn:
        conn.execute(sql)


SHELL_ADD = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from renda.accounts.models import Region
Region.objects.create(code="610001", name="备份镇", level=Region.Level.TOWN)
default_storage.save("uploads/reply.txt", ContentFile("答复函".encode()))
"""
SHELL_BREAK = """
from django.core.files.storage import default_storage
from renda.accounts.models import Region
Region.objects.all().delete()
default_storage.delete("uploads/reply.txt")
"""
SHELL_CHECK = """
from django.core.files.storage import default_storage
from renda.accounts.models import Region
names = list(Region.objects.values_list("name", flat=True))
print(names, default_storage.open("uploads/reply.txt").read().decode())
"""


def test_backup_and_restore_bring_back_rows_files_secret_key_and_static_files(installation, tmp_path):
    data = Path(installation["RENDA_DATA_DIR"])
    manage(installation, "migrate", "--no-input", "-v", "0")
    manage(installation, "shell", "-c", SHELL_ADD)
    secret = (data / "secret_key").read_text()
    out = manage(installation, "backup", "--to", str(tmp_path / "backups"))
    archive = Path(out.splitlines()[0])
    assert archive.exists() and oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "media/uploads/reply.txt", "secret_key"} <= names

    manage(installation, "shell", "-c", SHELL_BREAK)
    (data / "secret_key").write_text("changed")
    refused = subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=REPO,
        env=installation,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert refused.returncode != 0 and "--yes" in refused.stderr

    manage(installation, "restore", str(archive), "--yes")
    assert manage(installation, "shell", "-c", SHELL_CHECK).splitlines()[-1] == "['备份镇'] 答复函"
    assert (data / "secret_key").read_text() == secret
    assert (data / "static" / "renda" / "renda.js").exists()


def test_restore_refuses_an_archive_that_is_not_a_backup(tmp_path, db):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        (tmp_path / "x.txt").write_text("x")
        tar.add(tmp_path / "x.txt", arcname="../x.txt")
    with pytest.raises(BackupError, match="unexpected entry"):
        backup_restore(archive_path=bogus)
    with pytest.raises(BackupError, match="no such archive"):
        backup_restore(archive_path=tmp_path / "missing.tar.gz")
