"""Background work of the liaison module: the daily reminders and recomputing deadlines."""

from __future__ import annotations

from django_tasks import task


@task()
def send_reminders() -> dict[str, int]:
    from renda.liaison.services import send_deadline_reminders

    return send_deadline_reminders()


@task()
def recompute_deadlines() -> int:
    from renda.liaison.services import recompute_open_deadlines

    return recompute_open_deadlines()
