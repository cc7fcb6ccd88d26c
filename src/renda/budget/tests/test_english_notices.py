"""The budget notices are words (issue 15.9): an inquiry letter sent, its reply submitted, returned
and accepted, and the daily reply reminder — written while the actors use Chinese — read in English
for an English reader, the finding's title included (a finding keeps its title as words), and in
Chinese, as stored, for a Chinese reader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from renda.accounts.models import Organisation, Role, User
from renda.budget.models import Finding, Inquiry
from renda.budget.services import findings as services
from renda.budget.services import inquiries
from renda.budget.services.finding_reminders import finding_reply_reminders_send
from renda.budget.tests.test_findings import make_finding
from renda.conftest import chinese_outside
from renda.core.words import chinese, say
from renda.notifications.models import Notification

pytestmark = pytest.mark.django_db
State = Finding.State
SUBJECT = say(
    gettext_noop("%(name)s (indicator %(number)s)"), name="Teaching building repair", number="ZB001"
)


def test_the_inquiry_notices_read_in_english(
    loaded_year, budget_staff, make_user, make_organisation, django_capture_on_commit_callbacks
):
    school = make_organisation(Organisation.Kind.DEPARTMENT, name="County Education Bureau")
    clerk = make_user(Role.UNIT_HANDLER, organisation=school, real_name="Wang Li")
    finding = make_finding(subject=chinese(SUBJECT), evidence={"words": {"subject": SUBJECT}})
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.finding_verify(actor=budget_staff, finding=finding)
        letter = services.finding_inquire(actor=budget_staff, finding=finding, organisation=school)
        inquiries.inquiry_reply_submit(
            actor=clerk, inquiry=letter, outcome=State.RECTIFIED, reply_text="Done."
        )
        inquiries.finding_return_reply(actor=budget_staff, finding=letter.finding, reason="Add the receipt.")
        inquiries.inquiry_reply_submit(
            actor=clerk, inquiry=letter, outcome=State.EXPLAINED, reply_text="Here."
        )
        inquiries.finding_accept_reply(
            actor=budget_staff,
            finding=Finding.objects.get(pk=finding.pk),
            outcome=State.EXPLAINED,
            note="Fine.",
        )
    other = make_finding(subject=chinese(SUBJECT), evidence={"words": {"subject": SUBJECT}})
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.finding_verify(actor=budget_staff, finding=other)
        late = services.finding_inquire(actor=budget_staff, finding=other, organisation=school)
        Inquiry.objects.filter(pk=late.pk).update(reply_due=timezone.localdate() - dt.timedelta(days=1))
        assert finding_reply_reminders_send()["overdue"] == 1
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {
        "inquiry.sent",
        "inquiry.reply_submitted",
        "inquiry.reply_returned",
        "inquiry.reply_accepted",
        "finding.reply_overdue",
    } <= kinds
    data = {o.name for o in Organisation.objects.all()} | {u.display_name for u in User.objects.all()}
    data |= {i.number for i in Inquiry.objects.all()}
    for notice in Notification.objects.all():
        assert notice.words, notice.kind
        with translation.override("en"):
            english = notice.shown_text
        assert not chinese_outside(english, data), (notice.kind, english)
        with translation.override("zh-hans"):
            assert notice.shown_text == notice.text
    with translation.override("en"):
        sent = Notification.objects.get(kind="inquiry.sent", object_id=letter.pk).shown_text
        accepted = Notification.objects.get(kind="inquiry.reply_accepted").shown_text
    assert "Teaching building repair (indicator ZB001)" in sent
    assert "(Explained)" in accepted and accepted.endswith(" Fine.")
    assert "已说明" in Notification.objects.get(kind="inquiry.reply_accepted").text
