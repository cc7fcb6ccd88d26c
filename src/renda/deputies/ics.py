"""iCalendar (RFC 5545) text of activities: one activity's ``.ics`` and a deputy's private feed.

Written with the ``icalendar`` library; times are in UTC (``…Z``), which every calendar app shows
in its own time zone; the UID is stable per activity, so a re-imported or re-fetched event updates
the one already in the calendar; a cancelled activity is ``STATUS:CANCELLED``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.utils.translation import gettext as _

from renda.deputies.models.activities import Activity

PRODID = "-//Renda//Deputy activities//ZH"


def _event(activity: Activity, *, host: str, url: str = "") -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"activity-{activity.pk}@{host or 'renda'}")
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", activity.start_at.astimezone(dt.UTC))
    event.add("dtend", activity.end_at.astimezone(dt.UTC))
    event.add("summary", activity.title)
    event.add("location", activity.place)
    lines = [
        f"{_('Kind')}: {activity.get_kind_display()}",
        f"{_('Organiser')}: {activity.organiser_name}",
    ]
    if activity.agenda:
        lines += ["", activity.agenda]
    if url:
        lines += ["", url]
    event.add("description", "\n".join(lines))
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if activity.state == Activity.State.CANCELLED else "CONFIRMED")
    return event


def calendar_text(activities: Iterable[tuple[Activity, str]], *, host: str, name: str = "") -> bytes:
    """A VCALENDAR of ``(activity, its page URL)`` pairs."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for activity, url in activities:
        calendar.add_component(_event(activity, host=host, url=url))
    return calendar.to_ical()
