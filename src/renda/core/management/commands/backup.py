"""备份: write one archive of the database, the uploaded files and the secret key."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from renda.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the installation (database, uploaded files, secret key) into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", type=Path, default=None, help="directory for the archive (default: <data dir>/backups)"
        )

    def handle(self, *args, to: Path | None, **options):
        directory = to or Path(settings.DATA_DIR) / "backups"
        try:
            result = backup_create(directory=directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.path}\n  {result.vendor}: {result.tables} tables, {result.rows} rows; "
            f"{result.media_files} uploaded files"
        )
