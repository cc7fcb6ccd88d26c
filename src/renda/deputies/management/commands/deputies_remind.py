"""python manage.py deputies_remind: send the activity reminders due now (run every 10 minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from renda.deputies.services.activities import activity_reminders_send


class Command(BaseCommand):
    help = "Send the reminders of deputy activities due now (3 days and 2 hours before, by default)."

    def handle(self, *args, **options) -> None:
        counts = activity_reminders_send()
        self.stdout.write(f"sent={counts['sent']}")
