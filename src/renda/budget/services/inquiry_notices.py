"""函询的消息: who is told, through the notification centre, as an inquiry letter answered online moves.

- 发出函询 (``inquiry.sent``): the clerks (承办单位经办人) of the organisation the letter is addressed to,
  with a link to the page where they answer it.
- 在线复函 (``inquiry.reply_submitted``): the budget staff who review the reply — the person the
  finding is assigned to and who sent the letter; when neither can act on findings any more, every
  member of the budget committee's staff.
- 退回 / 采纳复函 (``inquiry.reply_returned`` / ``inquiry.reply_accepted``): the clerk who sent the
  reply (or, if that person is gone, the organisation's clerks), with the reason.

Kinds are declared in ``budget/notices.py``. Each notice goes out when the step's transaction commits
(``notify`` waits for it), so a refused step tells no one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_noop

from renda.accounts.models import Role, User
from renda.budget.models import Finding, Inquiry
from renda.budget.rules import in_budget_committee
from renda.core.permissions import can
from renda.core.words import Words, say
from renda.notifications.services import notify


def inquiry_clerks(inquiry: Inquiry) -> list[User]:
    """The active clerks of the organisation ``inquiry`` is addressed to online (none on paper)."""
    if inquiry.organisation_id is None:
        return []
    return list(
        User.objects.filter(role=Role.UNIT_HANDLER, is_active=True, organisation_id=inquiry.organisation_id)
    )


def reply_reviewers(finding: Finding, inquiry: Inquiry) -> list[User]:
    """The budget staff who review the unit's reply: the finding's assignee and the letter's sender
    (those still allowed to act on findings), else the budget committee's whole staff."""
    people = [p for p in (finding.assignee, inquiry.sent_by) if p is not None]
    chosen = {p.pk: p for p in people if can(p, "budget.act_on_finding", finding)}
    if chosen:
        return list(chosen.values())
    staff = User.objects.filter(role=Role.STAFF, is_active=True, organisation__isnull=False)
    return [person for person in staff.select_related("organisation") if in_budget_committee(person)]


def _subject(finding: Finding) -> Words:
    """The finding's title as words (read in each reader's language), or its text cut to 80 characters."""
    words = finding.title_words
    return words[:80] if isinstance(words, str) else words


# The outcomes of an accepted reply, as the finding's state choices name them.
OUTCOME_WORDS: dict[str, Words] = {
    Finding.State.EXPLAINED: say("Explained", context="finding state"),
    Finding.State.RECTIFIED: say("Rectified", context="finding state"),
}


def _tell(kind: str, recipients: Iterable[User], text: Words, link: str, inquiry: Inquiry) -> None:
    notify(kind=kind, recipients=list(recipients), text=text, link=link, obj=inquiry)


def notify_inquiry_sent(inquiry: Inquiry) -> None:
    """A letter to be answered online was sent: its organisation's clerks are told where to answer."""
    due = inquiry.reply_due
    _tell(
        "inquiry.sent",
        inquiry_clerks(inquiry),
        say(
            gettext_noop("Inquiry letter %(number)s on “%(subject)s”: please reply online by %(due)s."),
            number=inquiry.number,
            subject=_subject(inquiry.finding),
            due=due.isoformat() if due else "—",
        ),
        reverse("budget:inquiry", args=[inquiry.pk]),
        inquiry,
    )


def notify_reply_submitted(inquiry: Inquiry, *, organisation: str) -> None:
    """The unit answered online: the staff who review the reply are told."""
    finding = inquiry.finding
    _tell(
        "inquiry.reply_submitted",
        reply_reviewers(finding, inquiry),
        say(
            gettext_noop(
                "%(unit)s replied to inquiry %(number)s on “%(subject)s”: the reply awaits your review."
            ),
            unit=organisation or say(gettext_noop("The unit")),
            number=inquiry.number,
            subject=_subject(finding),
        ),
        reverse("budget:inquiry", args=[inquiry.pk]),
        inquiry,
    )


def _reply_authors(inquiry: Inquiry) -> list[User]:
    author = inquiry.replied_by
    if author is not None and author.is_active and author.organisation_id == inquiry.organisation_id:
        return [author]
    return inquiry_clerks(inquiry)


def notify_reply_returned(inquiry: Inquiry, *, reason: str) -> None:
    """The staff returned the reply: who sent it is told why, and by when to answer again."""
    due = inquiry.reply_due
    _tell(
        "inquiry.reply_returned",
        _reply_authors(inquiry),
        say(
            gettext_noop(
                "Your reply to inquiry %(number)s was returned: %(reason)s Please reply again by %(due)s."
            ),
            number=inquiry.number,
            reason=reason,
            due=due.isoformat() if due else "—",
        ),
        reverse("budget:inquiry", args=[inquiry.pk]),
        inquiry,
    )


def notify_reply_accepted(inquiry: Inquiry, *, outcome: str, note: str) -> None:
    """The staff accepted the reply (``outcome``: explained or rectified): who sent it is told, with
    the staff's note if any."""
    text: Words = say(
        gettext_noop("Your reply to inquiry %(number)s was accepted (%(outcome)s)."),
        number=inquiry.number,
        outcome=OUTCOME_WORDS.get(outcome, outcome),
    )
    if note:
        text = [text, " " + note]
    _tell(
        "inquiry.reply_accepted",
        _reply_authors(inquiry),
        text,
        reverse("budget:inquiry", args=[inquiry.pk]),
        inquiry,
    )
