"""函复催办: reminders on warning findings whose inquiry letter awaits the unit's reply.

A finding in 已函询 whose latest letter is not answered is reminded to the person it is assigned to
(or, when no one is, to who sent the letter) one working day before the reply is due and every day
once it is overdue — through the notification centre, once a day per finding. A letter to be answered
online also reminds its organisation's clerks (承办单位经办人), with a link to the page they answer on.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from renda.budget.models import Finding, Inquiry
from renda.budget.services.inquiry_notices import inquiry_clerks
from renda.core.audit import audit
from renda.core.calendar import add_working_days
from renda.core.words import say
from renda.notifications.selectors import notified_recently
from renda.notifications.services import notify


def finding_reply_reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Send today's reminders on inquiries awaiting a reply; counts of findings reminded now."""
    today = today or timezone.localdate()
    due_by = add_working_days(today, 1)
    letters = (
        Inquiry.objects.filter(finding__state=Finding.State.INQUIRED)
        .select_related("finding", "finding__assignee", "sent_by", "organisation")
        .order_by("finding_id", "-sent_at", "-id")
    )
    counts = {"due": 0, "overdue": 0}
    seen: set[int] = set()
    for inquiry in letters:
        if inquiry.finding_id in seen:  # only the latest letter of a finding counts
            continue
        seen.add(inquiry.finding_id)
        finding = inquiry.finding
        if inquiry.replied_on or inquiry.reply_due is None or inquiry.reply_due > due_by:
            continue
        overdue = inquiry.reply_due < today
        kind = "finding.reply_overdue" if overdue else "finding.reply_due"
        if notified_recently(kind=kind, obj=finding):
            continue
        person = finding.assignee if finding.assignee_id else inquiry.sent_by
        clerks = inquiry_clerks(inquiry)  # a letter answered online: its unit's clerks too
        if person is None and not clerks:
            continue
        if overdue:
            message = gettext_noop(
                "Inquiry %(number)s on “%(subject)s” is overdue: the reply was due on %(due)s."
            )
        else:
            message = gettext_noop("Inquiry %(number)s on “%(subject)s”: the reply is due on %(due)s.")
        text = say(message, number=inquiry.number, subject=finding.title_words, due=inquiry.reply_due)
        if person is not None:
            notify(
                kind=kind,
                recipients=[person],
                text=text,
                link=reverse("budget:finding", args=[finding.pk]),
                obj=finding,
            )
        if clerks:
            notify(
                kind=kind,
                recipients=clerks,
                text=text,
                link=reverse("budget:inquiry", args=[inquiry.pk]),
                obj=finding,
            )
        counts["overdue" if overdue else "due"] += 1
    note = f"due={counts['due']} overdue={counts['overdue']}"
    audit(None, "budget.finding_reply_reminders", None, note=note)
    return counts
