"""Send today's 临期/超期 reminders on suggestions and commitments (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from renda.suggestions.services import reminders_send


class Command(BaseCommand):
    help = "Send today's due-soon and overdue reminders on deputies' suggestions."

    def handle(self, *args, **options):
        counts = reminders_send()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
