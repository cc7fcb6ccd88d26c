"""Send every delivery that is due and the digests that are due (a safety net: run it from cron every
few minutes; the task worker normally does this on its own)."""

from django.core.management.base import BaseCommand

from renda.notifications.delivery import deliveries_send, digests_send, receipts_check


class Command(BaseCommand):
    help = "Send the due notification messages (SMS, WeChat, e-mail) and daily digests."

    def handle(self, *args, **options):
        report = deliveries_send()
        digests = digests_send()
        receipts = receipts_check()
        line = " ".join(f"{k}={v}" for k, v in report.as_dict().items())
        self.stdout.write(f"{line} digests={digests} receipts={receipts}")
