"""函询在线答复: the audited unit's clerk answers a letter online; the budget staff accept or return it.

The unit is found from the budget unit's name (or its parents' up to the 主管部门), the clerk sees
only their own organisation's letters, files pass the one upload check and are served after a
permission check, a letter on paper is still recorded by the staff, and the workbenches list what
is due in working days.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import Organisation, Role
from renda.budget.models import Finding, FindingStep, Inquiry, InquiryAttachment
from renda.budget.selectors import inquiries as selectors
from renda.budget.services import findings as services
from renda.budget.services import inquiries
from renda.budget.tests.test_findings import make_finding, pdf_upload
from renda.core.models import AuditEvent, CalendarDay
from renda.core.permissions import PermissionRefused
from renda.core.workbench import panels_for

pytestmark = pytest.mark.django_db
State = Finding.State


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def education(make_organisation):
    return make_organisation(Organisation.Kind.DEPARTMENT, name="县教育局")


@pytest.fixture
def clerk(make_user, education):
    return make_user(Role.UNIT_HANDLER, organisation=education, real_name="王经办")


@pytest.fixture
def other_clerk(make_user, make_organisation):
    health = make_organisation(Organisation.Kind.DEPARTMENT, name="县卫生健康局")
    return make_user(Role.UNIT_HANDLER, organisation=health, real_name="赵经办")


@pytest.fixture
def letter(loaded_year, budget_staff, education) -> Inquiry:
    """A finding about 第一中学 (a unit of 教育局), in 核实中, sent by letter to be answered online."""
    finding = make_finding()
    services.finding_verify(actor=budget_staff, finding=finding)
    return services.finding_inquire(actor=budget_staff, finding=finding, organisation=education)


def _reply(client, letter, **extra):
    data = {"unit_reply-outcome": State.RECTIFIED, "unit_reply-reply_text": "已将款项退回并调整账目。"}
    data.update(extra)
    return client.post(reverse("budget:inquiry_act", args=[letter.pk, "unit_reply"]), data)


# --- who answers -------------------------------------------------------------------------------


def test_the_answering_unit_is_found_by_name_up_the_unit_s_parents(loaded_year, education, make_organisation):
    make_organisation(Organisation.Kind.CONGRESS, name="县人大常委会教育科学文化卫生工作委员会")
    # 第一中学 has no organisation of its own: its 主管部门 教育局 (县教育局) answers.
    assert inquiries.inquiry_organisation_guess("101001") == education
    school = make_organisation(Organisation.Kind.DEPARTMENT, name="示范县第一中学")
    assert inquiries.inquiry_organisation_guess("101001") == school
    assert inquiries.inquiry_organisation_guess("102") is None  # no 卫生健康局 among the organisations
    assert inquiries.inquiry_organisation_guess("nope") is None


def test_the_letter_form_proposes_the_unit_and_sending_addresses_it(
    client_for, budget_staff, education, loaded_year
):
    finding = make_finding()
    services.finding_verify(actor=budget_staff, finding=finding)
    client = client_for(budget_staff)
    page = client.get(reverse("budget:finding", args=[finding.pk])).content.decode()
    assert f'<option value="{education.pk}" selected>县教育局</option>' in page
    draft = services.inquiry_draft(actor=budget_staff, finding=finding)
    response = client.post(
        reverse("budget:finding_act", args=[finding.pk, "inquire"]),
        {
            "inquire-recipient": draft.recipient,
            "inquire-organisation": education.pk,
            "inquire-reply_due": draft.reply_due.isoformat(),
            "inquire-body": draft.body,
        },
    )
    assert response.status_code == 302
    letter = finding.inquiries.get()
    assert letter.organisation == education
    assert "由县教育局在线答复" in finding.steps.latest("id").note


# --- the clerk answers -------------------------------------------------------------------------


def test_the_clerk_sees_the_letter_on_the_workbench_and_answers_it_with_files(client_for, clerk, letter):
    client = client_for(clerk)
    workbench = client.get(reverse("core:workbench")).content.decode()
    assert 'data-testid="inquiry-panel"' in workbench
    assert reverse("budget:inquiry", args=[letter.pk]) in workbench and letter.number in workbench
    page = client.get(reverse("budget:inquiry", args=[letter.pk])).content.decode()
    assert letter.body[:20] in page and 'data-testid="action-unit_reply"' in page
    steps, audits = FindingStep.objects.count(), AuditEvent.objects.filter(outcome="done").count()
    response = _reply(
        client,
        letter,
        **{"unit_reply-attachments": [pdf_upload("退款凭证.pdf"), pdf_upload("调账说明.pdf")]},
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    finding = letter.finding
    finding.refresh_from_db()
    assert finding.state == State.REPLIED
    assert (letter.replied_by, letter.reply_outcome, letter.replied_on) == (
        clerk,
        State.RECTIFIED,
        timezone.localdate(),
    )
    assert sorted(a.name for a in letter.attachments.all()) == ["调账说明.pdf", "退款凭证.pdf"]
    assert FindingStep.objects.count() == steps + 1
    assert AuditEvent.objects.filter(outcome="done").count() == audits + 1
    step = finding.steps.latest("id")
    assert (step.action, step.actor, step.to_state) == ("unit_reply", clerk, State.REPLIED)
    assert "县教育局在线答复" in step.note and "退款凭证.pdf" in step.note
    # Served to the clerk and to the staff, after the check; the form is gone while it is reviewed.
    attachment = letter.attachments.order_by("name").first()
    assert client.get(reverse("budget:inquiry_attachment", args=[attachment.pk])).status_code == 200
    page = client.get(reverse("budget:inquiry", args=[letter.pk])).content.decode()
    assert 'data-testid="action-unit_reply"' not in page and "已将款项退回并调整账目。" in page


def test_a_clerk_of_another_unit_is_refused(client_for, other_clerk, clerk, letter, deputy_user):
    client = client_for(other_clerk)
    assert client.get(reverse("budget:inquiry", args=[letter.pk])).status_code == 403
    assert _reply(client, letter).status_code == 403
    assert client.get(reverse("budget:finding_letter", args=[letter.pk])).status_code == 403
    with pytest.raises(PermissionRefused):
        inquiries.inquiry_reply_submit(
            actor=other_clerk, inquiry=letter, outcome=State.EXPLAINED, reply_text="…"
        )
    assert AuditEvent.objects.filter(actor=other_clerk, outcome="refused").exists()
    letter.refresh_from_db()
    assert letter.replied_on is None and letter.finding.state == State.INQUIRED
    assert selectors.inquiries_of_own_unit(actor=other_clerk) == []
    # Nor may the clerk's file be fetched by another unit or a deputy.
    _reply(client_for(clerk), letter, **{"unit_reply-attachments": [pdf_upload()]})
    attachment = InquiryAttachment.objects.get()
    for outsider in (other_clerk, deputy_user):
        assert (
            client_for(outsider).get(reverse("budget:inquiry_attachment", args=[attachment.pk])).status_code
            == 403
        )
    # Nor see the finding itself (its evidence names other payees).
    assert client_for(clerk).get(reverse("budget:finding", args=[letter.finding_id])).status_code == 403


def test_a_bad_file_is_refused_with_a_message_and_nothing_is_written(client_for, clerk, letter):
    fake = SimpleUploadedFile("说明.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    response = _reply(client_for(clerk), letter, **{"unit_reply-attachments": [fake]})
    assert response.status_code == 400
    assert "“说明.pdf”的内容与 PDF 文件不符。" in response.content.decode()
    letter.refresh_from_db()
    assert letter.replied_on is None and letter.finding.state == State.INQUIRED
    assert not InquiryAttachment.objects.exists()


def test_too_many_files_are_refused(client_for, clerk, letter, settings):
    settings.RENDA_BUDGET_FINDINGS = {"REPLY_FILES_MAX": 1}
    response = _reply(
        client_for(clerk), letter, **{"unit_reply-attachments": [pdf_upload("a.pdf"), pdf_upload("b.pdf")]}
    )
    assert response.status_code == 400
    assert not InquiryAttachment.objects.exists()


def test_an_empty_reply_is_refused(client_for, clerk, letter):
    response = _reply(client_for(clerk), letter, **{"unit_reply-reply_text": "   "})
    assert response.status_code == 400
    letter.refresh_from_db()
    assert letter.finding.state == State.INQUIRED


# --- the staff review --------------------------------------------------------------------------


def test_the_staff_accept_the_reply_and_the_finding_moves_on(client_for, clerk, budget_staff, letter):
    _reply(client_for(clerk), letter)
    staff = client_for(budget_staff)
    page = staff.get(reverse("budget:finding", args=[letter.finding_id])).content.decode()
    assert 'data-testid="action-accept_reply"' in page and "已将款项退回并调整账目。" in page
    # The outcome the unit claimed is proposed.
    assert f'<option value="{State.RECTIFIED}" selected>' in page
    response = staff.post(
        reverse("budget:finding_act", args=[letter.finding_id, "accept_reply"]),
        {"accept_reply-outcome": State.RECTIFIED, "accept_reply-note": "已核对退款凭证。"},
    )
    assert response.status_code == 302
    finding = Finding.objects.get(pk=letter.finding_id)
    assert finding.state == State.RECTIFIED
    # … on to 销号.
    services.finding_close(actor=budget_staff, finding=finding, note="整改到位。")
    finding.refresh_from_db()
    assert finding.state == State.CLOSED


def test_the_staff_return_the_reply_and_the_unit_answers_again(client_for, clerk, budget_staff, letter):
    clerk_client = client_for(clerk)
    _reply(clerk_client, letter)
    new_due = timezone.localdate() + dt.timedelta(days=20)
    response = client_for(budget_staff).post(
        reverse("budget:inquiry_act", args=[letter.pk, "return_reply"]),
        {"return_reply-reason": "请附上退款的银行回单。", "return_reply-reply_due": new_due.isoformat()},
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (
        letter.finding.state == State.INQUIRED and letter.replied_on is None and letter.reply_due == new_due
    )
    rows = selectors.inquiries_of_own_unit(actor=clerk)
    assert [(r.inquiry.pk, r.status) for r in rows] == [(letter.pk, "returned")]
    page = clerk_client.get(reverse("budget:inquiry", args=[letter.pk])).content.decode()
    assert "请附上退款的银行回单。" in page  # the reason, in the letter's history
    assert "已将款项退回并调整账目。</textarea>" in page  # the earlier text comes back as the draft
    assert (
        _reply(clerk_client, letter, **{"unit_reply-attachments": [pdf_upload("银行回单.pdf")]}).status_code
        == 302
    )
    letter.refresh_from_db()
    assert letter.finding.state == State.REPLIED


def test_the_clerk_cannot_accept_their_own_reply(client_for, clerk, letter):
    client = client_for(clerk)
    _reply(client, letter)
    response = client.post(
        reverse("budget:inquiry_act", args=[letter.pk, "accept_reply"]),
        {"accept_reply-outcome": State.EXPLAINED},
    )
    assert response.status_code == 403
    assert Finding.objects.get(pk=letter.finding_id).state == State.REPLIED


def test_a_paper_reply_is_still_recorded_by_the_staff(client_for, budget_staff, letter):
    services.finding_record_reply(
        actor=budget_staff,
        finding=letter.finding,
        outcome=State.EXPLAINED,
        reply_text="书面复函：系跨年项目。",
    )
    letter.refresh_from_db()
    assert letter.finding.state == State.EXPLAINED and letter.reply_text == "书面复函：系跨年项目。"


# --- deadlines on the workbenches --------------------------------------------------------------


def test_the_staff_workbench_lists_letters_due_and_overdue_in_working_days(client_for, budget_staff, letter):
    today = timezone.localdate()
    # Due yesterday: overdue. A holiday today does not count as a working day.
    Inquiry.objects.filter(pk=letter.pk).update(reply_due=today - dt.timedelta(days=1))
    rows = selectors.inquiries_due(actor=budget_staff, today=today)
    assert [r.inquiry.pk for r in rows] == [letter.pk] and rows[0].overdue
    Inquiry.objects.filter(pk=letter.pk).update(reply_due=today + dt.timedelta(days=60))
    assert selectors.inquiries_due(actor=budget_staff, today=today) == []
    # Due in two days, but both are holidays: due within the next working days.
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    wednesday = monday + dt.timedelta(days=2)
    CalendarDay.objects.create(
        date=monday + dt.timedelta(days=1), kind=CalendarDay.Kind.HOLIDAY, name="测试假日"
    )
    Inquiry.objects.filter(pk=letter.pk).update(reply_due=wednesday)
    row = selectors.inquiries_due(actor=budget_staff, today=monday)[0]
    assert row.days_left == 1 and row.due_soon
    Inquiry.objects.filter(pk=letter.pk).update(reply_due=today - dt.timedelta(days=3))
    page = client_for(budget_staff).get(reverse("core:workbench")).content.decode()
    assert 'data-testid="panel-due-letters"' in page and letter.number in page
    assert f"{reverse('budget:inquiries')}?due=overdue" in page
    assert f"state={State.NEW}" in page and f"state={State.REPLIED}" in page


def test_every_tile_of_the_budget_panel_is_a_link(budget_staff, letter):
    panels = [p for p in panels_for(budget_staff) if p.template == "budget/reports/panel.html"]
    assert panels and all(stat.url for stat in panels[0].stats)


# --- notices (消息中心) --------------------------------------------------------------------------


def _notices(kind):
    from renda.notifications.models import Notification

    return list(Notification.objects.filter(kind=kind).select_related("recipient").order_by("recipient_id"))


@pytest.fixture
def second_clerk(make_user, education):
    return make_user(Role.UNIT_HANDLER, organisation=education, real_name="钱经办")


def test_sending_a_letter_tells_the_unit_s_clerks_only(
    loaded_year,
    budget_staff,
    education,
    clerk,
    second_clerk,
    other_clerk,
    make_user,
    django_capture_on_commit_callbacks,
):
    gone = make_user(Role.UNIT_HANDLER, organisation=education, is_active=False)
    make_user(Role.STAFF, organisation=education)  # not a clerk
    finding = make_finding()
    services.finding_verify(actor=budget_staff, finding=finding)
    with django_capture_on_commit_callbacks(execute=True):
        letter = services.finding_inquire(actor=budget_staff, finding=finding, organisation=education)
    sent = _notices("inquiry.sent")
    assert {n.recipient for n in sent} == {clerk, second_clerk}
    assert other_clerk not in {n.recipient for n in sent} and gone not in {n.recipient for n in sent}
    assert all(n.link == reverse("budget:inquiry", args=[letter.pk]) for n in sent)
    assert letter.number in sent[0].text and str(letter.reply_due) in sent[0].text
    # A letter on paper (no organisation to answer online) tells no clerk.
    paper = make_finding(subject="另一项")
    services.finding_verify(actor=budget_staff, finding=paper)
    with django_capture_on_commit_callbacks(execute=True):
        services.finding_inquire(actor=budget_staff, finding=paper)
    assert len(_notices("inquiry.sent")) == 2


def test_a_reply_tells_the_staff_who_review_it_and_the_review_tells_the_clerk(
    budget_staff,
    budget_org,
    clerk,
    second_clerk,
    other_clerk,
    letter,
    make_user,
    django_capture_on_commit_callbacks,
):
    colleague = make_user(
        Role.STAFF, organisation=budget_org
    )  # budget staff, but neither sender nor assignee
    outsider = make_user(Role.STAFF)  # staff of another committee
    with django_capture_on_commit_callbacks(execute=True):
        inquiries.inquiry_reply_submit(
            actor=clerk, inquiry=letter, outcome=State.RECTIFIED, reply_text="已整改。"
        )
    submitted = _notices("inquiry.reply_submitted")
    assert [n.recipient for n in submitted] == [budget_staff]  # who sent the letter
    assert "县教育局" in submitted[0].text and submitted[0].link == reverse(
        "budget:inquiry", args=[letter.pk]
    )
    assert colleague not in [n.recipient for n in submitted] and outsider not in [
        n.recipient for n in submitted
    ]

    with django_capture_on_commit_callbacks(execute=True):
        inquiries.finding_return_reply(actor=budget_staff, finding=letter.finding, reason="请附上银行回单。")
    returned = _notices("inquiry.reply_returned")
    assert [n.recipient for n in returned] == [clerk]  # who wrote the reply, not the other clerks
    assert "请附上银行回单。" in returned[0].text and returned[0].link == reverse(
        "budget:inquiry", args=[letter.pk]
    )

    # Assigned meanwhile: the assignee reviews (and the sender, still budget staff).
    Finding.objects.filter(pk=letter.finding_id).update(assignee=colleague)
    letter.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        inquiries.inquiry_reply_submit(
            actor=second_clerk, inquiry=letter, outcome=State.EXPLAINED, reply_text="已附回单。"
        )
    assert {n.recipient for n in _notices("inquiry.reply_submitted")} == {budget_staff, colleague}
    finding = Finding.objects.get(pk=letter.finding_id)
    with django_capture_on_commit_callbacks(execute=True):
        inquiries.finding_accept_reply(
            actor=colleague, finding=finding, outcome=State.EXPLAINED, note="情况属实。"
        )
    accepted = _notices("inquiry.reply_accepted")
    assert [n.recipient for n in accepted] == [second_clerk]
    assert "情况属实。" in accepted[0].text
    assert other_clerk not in {n.recipient for n in _notices("inquiry.reply_returned") + accepted}


def test_a_reply_whose_sender_left_tells_the_budget_staff(
    budget_staff, budget_org, clerk, letter, make_user, django_capture_on_commit_callbacks
):
    colleague = make_user(Role.STAFF, organisation=budget_org)
    make_user(Role.STAFF)  # another committee's staff: not told
    budget_staff.is_active = False
    budget_staff.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        inquiries.inquiry_reply_submit(
            actor=clerk, inquiry=letter, outcome=State.RECTIFIED, reply_text="已整改。"
        )
    assert [n.recipient for n in _notices("inquiry.reply_submitted")] == [colleague]


def test_a_refused_reply_tells_no_one(other_clerk, letter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionRefused):
        inquiries.inquiry_reply_submit(
            actor=other_clerk, inquiry=letter, outcome=State.RECTIFIED, reply_text="x"
        )
    assert _notices("inquiry.reply_submitted") == []


def test_the_daily_reminder_of_an_online_letter_reaches_its_clerks(
    budget_staff, clerk, other_clerk, letter, django_capture_on_commit_callbacks
):
    from renda.budget.services.finding_reminders import finding_reply_reminders_send
    from renda.notifications.kinds import kind_of

    Inquiry.objects.filter(pk=letter.pk).update(reply_due=timezone.localdate() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert finding_reply_reminders_send() == {"due": 0, "overdue": 1}
    late = _notices("finding.reply_overdue")
    assert {(n.recipient, n.link) for n in late} == {
        (budget_staff, reverse("budget:finding", args=[letter.finding_id])),
        (clerk, reverse("budget:inquiry", args=[letter.pk])),
    }
    # Every kind the budget module sends is declared (labels and channels in 消息中心).
    for kind in (
        "finding.reply_due",
        "finding.reply_overdue",
        "inquiry.sent",
        "inquiry.reply_submitted",
        "inquiry.reply_returned",
        "inquiry.reply_accepted",
    ):
        assert kind_of(kind).label != kind
