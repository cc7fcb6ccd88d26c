"""恢复: put a backup archive back into this installation (stop the site first)."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from renda.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup archive (database, uploaded files, secret key), then collect the static files."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="replace the current data without asking")

    def handle(self, *args, archive: Path, yes: bool, **options):
        if not yes:
            raise CommandError(
                "Restoring replaces every row and uploaded file of this installation: add --yes."
            )
        try:
            counts = backup_restore(archive_path=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"restored {len(counts)} tables, {sum(counts.values())} rows; static files collected"
        )
