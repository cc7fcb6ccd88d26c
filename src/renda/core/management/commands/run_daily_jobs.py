"""每日任务: the platform's daily jobs (reminders of due and overdue work), once or every day.

``manage.py run_daily_jobs`` runs them once (for cron: ``0 7 * * *``); ``--every-day-at 07:00``
keeps running and starts them each day at that time (Asia/Shanghai), which is what
``run_platform`` does. The jobs are the commands named in ``settings.RENDA_DAILY_COMMANDS``.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Run the daily jobs (reminders) now, or every day at a given time."

    def add_arguments(self, parser):
        parser.add_argument("--every-day-at", metavar="HH:MM", help="keep running; start the jobs daily")

    def handle(self, *args, every_day_at: str | None = None, **options):
        if not every_day_at:
            self.run_jobs()
            return
        try:
            at = dt.time.fromisoformat(every_day_at)
        except ValueError as exc:
            raise CommandError(f"--every-day-at takes HH:MM, not {every_day_at!r}") from exc
        while True:
            now = timezone.localtime()
            start = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
            if start <= now:
                start += dt.timedelta(days=1)
            time.sleep((start - now).total_seconds())
            self.run_jobs()

    def run_jobs(self) -> None:
        for name in settings.RENDA_DAILY_COMMANDS:
            self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M} {name}: ", ending="")
            try:
                call_command(name, stdout=self.stdout)
            except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
                self.stderr.write(f"{name} failed: {exc}")
