"""Background work of 代表活动: the reminders due now (enqueue every few minutes, or run
``manage.py deputies_remind`` from cron)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_activity_reminders() -> dict[str, int]:
    from renda.deputies.services.activities import activity_reminders_send

    return activity_reminders_send()
