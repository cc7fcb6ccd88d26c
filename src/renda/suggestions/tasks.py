"""Background work: the daily reminders (临期/超期) and recomputing deadlines."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def send_reminders() -> dict[str, int]:
    from renda.suggestions.services import reminders_send

    return reminders_send()


@task()
def recompute_deadlines(dates: list[str] | None = None) -> int:
    from renda.suggestions.services import deadlines_recompute

    return deadlines_recompute(dt.date.fromisoformat(d) for d in dates or [])
