"""python manage.py liaison_remind: notify who must act on opinions due soon or overdue (run daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from renda.liaison.services import send_deadline_reminders


class Command(BaseCommand):
    help = "Send the liaison module's reminders for opinions due within a working day and overdue ones."

    def handle(self, *args, **options) -> None:
        counts = send_deadline_reminders()
        self.stdout.write(f"due={counts['due']} overdue={counts['overdue']}")
