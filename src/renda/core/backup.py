"""备份与恢复: one archive holds the database, the uploaded files and the secret key.

``manage.py backup`` writes ``renda-backup-<time>.tar.gz``; ``manage.py restore ARCHIVE`` puts it back
into the configured installation (the site stopped) and collects the static files again.

- SQLite: ``VACUUM INTO`` copies a consistent snapshot while the site keeps writing (SQLite's
  ``.backup`` restarts on every write and may not finish while an import runs).
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot), restored with ``pg_restore``.

The manifest records the row count of every table, and a restore checks them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    vendor: str
    tables: int
    rows: int
    media_files: int


def _table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def _pg_env(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore (the password never on argv)."""
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    args = ["--dbname", str(settings_dict["NAME"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    return args, env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=6 * 3600)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools are needed)") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[-2000:]}") from exc


def backup_create(*, directory: Path) -> BackupResult:
    """Write one archive of the installation into ``directory`` and return what it holds."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = directory / f"renda-backup-{stamp}.tar.gz"
    counts = _table_counts()
    with tempfile.TemporaryDirectory(prefix="renda-backup-", dir=directory) as work:
        work_dir = Path(work)
        vendor = connection.vendor
        if vendor == "sqlite":
            database = work_dir / "database.sqlite3"
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(database)])
        elif vendor == "postgresql":
            database = work_dir / "database.pgdump"
            args, env = _pg_env(connection.settings_dict)
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(database), *args], env)
        else:
            raise BackupError(f"no backup for the {vendor} database")
        media_root = Path(settings.MEDIA_ROOT)
        media_files = [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []
        secret_file = Path(settings.DATA_DIR) / "secret_key"
        manifest = {
            "format": FORMAT_VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(),
            "vendor": vendor,
            "database": database.name,
            "tables": counts,
            "media_files": len(media_files),
            # A secret key given in the environment is the operator's to keep; a generated one is saved.
            "secret_key": secret_file.exists() and not os.environ.get("SECRET_KEY"),
        }
        (work_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial = target.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / MANIFEST, arcname=MANIFEST)
            archive.add(database, arcname=database.name)
            for path in media_files:
                archive.add(path, arcname=f"media/{path.relative_to(media_root)}")
            if manifest["secret_key"]:
                archive.add(secret_file, arcname="secret_key")
        partial.chmod(0o600)  # the archive holds personal data and the secret key
        partial.replace(target)
    return BackupResult(target, vendor, len(counts), sum(counts.values()), len(media_files))


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"the archive holds an unexpected entry: {member.name}")
        members.append(member)
    return members


def backup_restore(*, archive_path: Path) -> dict[str, int]:
    """Put an archive back: database, media, secret key. Returns the restored row count per table.

    The site must be stopped. The database is replaced whole: SQLite by swapping the file, PostgreSQL
    by ``pg_restore --clean``. A manifest whose counts do not match after the restore is an error.
    """
    if not archive_path.is_file():
        raise BackupError(f"no such archive: {archive_path}")
    with tempfile.TemporaryDirectory(prefix="renda-restore-") as work:
        work_dir = Path(work)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work_dir, members=_safe_members(archive), filter="data")
        try:
            manifest = json.loads((work_dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError("the archive has no readable manifest: is it a Renda backup?") from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        vendor = connection.vendor
        if manifest["vendor"] != vendor:
            raise BackupError(
                f"the archive is a {manifest['vendor']} backup; this installation uses {vendor}"
            )
        database = work_dir / manifest["database"]
        if vendor == "sqlite":
            target = Path(connection.settings_dict["NAME"])
            connection.close()
            staged = target.with_name(target.name + ".restoring")
            shutil.copyfile(database, staged)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            staged.replace(target)
        else:
            args, env = _pg_env(connection.settings_dict)
            connection.close()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--exit-on-error",
                    *args,
                    str(database),
                ],
                env,
            )
        media_root = Path(settings.MEDIA_ROOT)
        if (work_dir / "media").exists():
            if media_root.exists():
                shutil.rmtree(media_root)
            shutil.copytree(work_dir / "media", media_root)
        if manifest.get("secret_key") and (work_dir / "secret_key").exists():
            secret = Path(settings.DATA_DIR) / "secret_key"
            shutil.copyfile(work_dir / "secret_key", secret)
            secret.chmod(0o600)
    counts = _table_counts()
    differing = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if differing:
        raise BackupError(f"restored tables differ from the backup: {differing}")
    return counts
