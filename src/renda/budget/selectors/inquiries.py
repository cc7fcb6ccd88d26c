"""函询: reads of the inquiry letters, for the unit that answers them and for the budget staff.

A unit clerk sees only the letters addressed to their own organisation (``budget.view_own_inquiries``,
``budget.view_inquiry`` on each); the budget staff see every letter of the region. Deadlines are
counted in working days (``renda.core.calendar``): a letter is *due* when its reply is due within
``DUE_SOON_WORKING_DAYS`` working days, *overdue* once the due date has passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.accounts.models import User
from renda.budget.models import BudgetUnit, Finding, FindingStep, Inquiry, InquiryAttachment
from renda.budget.services.findings import param, state_label
from renda.core.calendar import working_days_between
from renda.core.module_parameters import current_region_code
from renda.core.permissions import can, require

State = Finding.State
# The steps of a finding that belong to its letters' story (what the unit may read).
LETTER_ACTIONS = ("inquire", "unit_reply", "return_reply", "accept_reply", "reply")


@dataclass
class InquiryRow:
    """A letter as a list shows it: where it stands and how many working days are left."""

    inquiry: Inquiry
    status: str  # awaiting | returned | review | answered | the finding's state when it moved on
    status_label: str
    days_left: int | None  # working days to the due date (negative: overdue); None when answered
    today: dt.date

    @property
    def open(self) -> bool:
        return self.status in ("awaiting", "returned")

    @property
    def overdue(self) -> bool:
        due = self.inquiry.reply_due
        return self.open and due is not None and due < self.today

    @property
    def due_soon(self) -> bool:
        return (
            self.open
            and not self.overdue
            and self.days_left is not None
            and self.days_left <= int(param("DUE_SOON_WORKING_DAYS"))
        )

    @property
    def due_text(self) -> str:
        if self.days_left is None:
            return ""
        if self.overdue:
            if self.days_left < 0:
                return _("overdue by %(n)s working days") % {"n": -self.days_left}
            return _("overdue since %(date)s") % {"date": self.inquiry.reply_due}
        if self.inquiry.reply_due == self.today:
            return _("due today")
        return _("%(n)s working days left") % {"n": self.days_left}


def _status(inquiry: Inquiry, today: dt.date) -> InquiryRow:
    finding = inquiry.finding
    latest = getattr(inquiry, "is_latest", True)
    if latest and finding.state == State.INQUIRED and inquiry.replied_on is None:
        status = "returned" if inquiry.reply_submitted_at else "awaiting"
        label = _("Returned: answer again") if status == "returned" else _("Awaiting the reply")
        due = inquiry.reply_due
        days = None
        if due is not None:
            # Working days left to the due date; once it has passed, minus the working days late
            # (the first working day after the due date is one day late).
            days = working_days_between(today, due) if due >= today else -working_days_between(due, today)
        return InquiryRow(inquiry, status, label, days, today)
    if latest and finding.state == State.REPLIED:
        return InquiryRow(inquiry, "review", _("Reply under review"), None, today)
    if latest and finding.state != State.VERIFYING:
        return InquiryRow(inquiry, finding.state, state_label(finding.state), None, today)
    return InquiryRow(inquiry, "answered", _("Answered"), None, today)


def _unit_name(unit_code: str) -> str:
    return (
        BudgetUnit.objects.filter(region_code=current_region_code(), code=unit_code)
        .values_list("name", flat=True)
        .first()
        or unit_code
    )


def _rows(inquiries: QuerySet[Inquiry], today: dt.date | None = None) -> list[InquiryRow]:
    today = today or timezone.localdate()
    items = list(inquiries)
    latest: dict[int, tuple[dt.datetime, int]] = {}
    for finding_id, sent_at, pk in Inquiry.objects.filter(
        finding_id__in={q.finding_id for q in items}
    ).values_list("finding_id", "sent_at", "pk"):
        if finding_id not in latest or (sent_at, pk) > latest[finding_id]:
            latest[finding_id] = (sent_at, pk)
    for q in items:
        newest = latest.get(q.finding_id)
        q.is_latest = newest is None or newest[1] == q.pk  # type: ignore[attr-defined]
    rows = [_status(q, today) for q in items]
    order = {"returned": 0, "awaiting": 1, "review": 2}
    rows.sort(key=lambda r: (order.get(r.status, 3), r.days_left if r.days_left is not None else 0))
    return rows


def _base() -> QuerySet[Inquiry]:
    return Inquiry.objects.filter(finding__region_code=current_region_code()).select_related(
        "finding", "organisation", "sent_by", "replied_by"
    )


def inquiries_of_own_unit(*, actor: User, today: dt.date | None = None) -> list[InquiryRow]:
    """The letters addressed to the clerk's organisation: those to answer first, by due date."""
    require(actor, "budget.view_own_inquiries")
    if actor.organisation_id is None:
        return []
    return _rows(_base().filter(organisation_id=actor.organisation_id), today)


def inquiries_due(*, actor: User, today: dt.date | None = None) -> list[InquiryRow]:
    """For the budget staff: the letters awaiting a reply that is due soon or overdue."""
    require(actor, "budget.view_findings")
    rows = _rows(
        _base().filter(finding__state=State.INQUIRED, replied_on__isnull=True, reply_due__isnull=False), today
    )
    return [r for r in rows if r.overdue or r.due_soon]


def inquiries_visible_to(*, actor: User, today: dt.date | None = None) -> list[InquiryRow]:
    """The letters the actor may read: every letter for the budget staff, their own for a clerk."""
    if can(actor, "budget.view_findings"):
        return _rows(_base().order_by("-sent_at")[:300], today)
    return inquiries_of_own_unit(actor=actor, today=today)


def inquiry_for(*, actor: User, pk: int) -> Inquiry:
    """One letter, for the budget staff or the clerk of the unit it is addressed to (anyone else
    is refused: ``PermissionRefused``)."""
    inquiry = (
        _base()
        .prefetch_related(
            Prefetch("attachments", queryset=InquiryAttachment.objects.select_related("uploaded_by"))
        )
        .get(pk=pk)
    )
    require(actor, "budget.view_inquiry", inquiry)
    inquiry.unit_name = _unit_name(inquiry.finding.unit_code)  # type: ignore[attr-defined]
    return inquiry


def inquiry_row(*, actor: User, inquiry: Inquiry) -> InquiryRow:
    require(actor, "budget.view_inquiry", inquiry)
    return _rows(Inquiry.objects.filter(pk=inquiry.pk).select_related("finding"))[0]


def inquiry_history(*, actor: User, inquiry: Inquiry) -> list[FindingStep]:
    """The steps of the letter's story (sent, answered, returned, accepted) — not the staff's
    internal notes on the finding."""
    require(actor, "budget.view_inquiry", inquiry)
    return list(
        FindingStep.objects.filter(
            Q(finding_id=inquiry.finding_id, action__in=LETTER_ACTIONS, at__gte=inquiry.sent_at)
        ).select_related("actor")
    )


def attachment_for(*, actor: User, pk: int) -> InquiryAttachment:
    attachment = InquiryAttachment.objects.select_related("inquiry", "inquiry__finding").get(
        pk=pk, inquiry__finding__region_code=current_region_code()
    )
    require(actor, "budget.view_inquiry", attachment.inquiry)
    return attachment
