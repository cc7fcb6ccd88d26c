"""Send today's reminders on inquiry letters awaiting a reply (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from renda.budget.services.finding_reminders import finding_reply_reminders_send


class Command(BaseCommand):
    help = "Send today's reminders on warning findings whose inquiry letter awaits the unit's reply."

    def handle(self, *args, **options):
        counts = finding_reply_reminders_send()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
