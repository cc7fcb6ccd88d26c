"""The task worker's part of the notification centre: sending deliveries and the daily digest."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("renda.notifications")


@task()
def send_deliveries(ids: list[int] | None = None) -> dict[str, int]:
    """Send the deliveries due now (of ``ids``, or all); schedule the next run for the retries."""
    from renda.notifications.delivery import deliveries_send

    report = deliveries_send(ids=ids)
    schedule_sweep(report.next_run)
    if report.sent:
        schedule_receipts(timezone.now() + dt.timedelta(minutes=2))
    return report.as_dict()


@task()
def check_receipts() -> dict[str, int]:
    """The gateways' receipts of the messages sent (SMS: delivered or failed on the operator's side)."""
    from renda.notifications.delivery import receipts_check

    return receipts_check()


def schedule_receipts(when: dt.datetime) -> None:
    key = f"renda.notifications.receipts.{when:%Y%m%d%H%M}"
    if cache.add(key, 1, timeout=3600):
        check_receipts.using(run_after=when).enqueue()


@task()
def send_digests() -> int:
    from renda.notifications.delivery import digests_send

    return digests_send()


def schedule_sweep(when: dt.datetime | None) -> None:
    """A run over every due delivery at ``when`` (at most one per minute is enqueued)."""
    if when is None:
        return
    key = f"renda.notifications.sweep.{when:%Y%m%d%H%M}"
    if cache.add(key, 1, timeout=3600):
        send_deliveries.using(run_after=when).enqueue(None)


def schedule_digest(when: dt.datetime) -> None:
    key = f"renda.notifications.digest.{when:%Y%m%d%H%M}"
    if cache.add(key, 1, timeout=48 * 3600):
        send_digests.using(run_after=when).enqueue()
