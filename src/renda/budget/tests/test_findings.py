"""预警发现处置: the transition table through the services, letters and their numbers, replies and
their files, the audit trail, who may act, and the selectors (filters, per-rule 误报 share)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from renda.accounts.models import Organisation, Region, Role, User
from renda.budget.models import Finding, FindingStep, Inquiry
from renda.budget.selectors import findings as selectors
from renda.budget.selectors.findings import FindingFilter
from renda.budget.services import findings as services
from renda.budget.services import inquiries
from renda.budget.tests.conftest import YEAR
from renda.budget.workflow import FINDING
from renda.core.models import AuditEvent
from renda.core.permissions import PermissionRefused
from renda.core.workflow import WrongState

pytestmark = pytest.mark.django_db
TRANSITIONS = FINDING.transitions
ADMIN_ONLY = set(FINDING.guarded_moves)

State = Finding.State
_keys = itertools.count(1)


# --- fixtures and helpers (shared with test_findings_views.py) ----------------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_finding(**extra) -> Finding:
    """A finding as the engine would store it (the engine itself is not needed for these tests)."""
    n = next(_keys)
    values = {
        "year": YEAR,
        "rule_code": "EXEC_LAG",
        "key": f"k{n}",
        "severity": "red",
        "unit_code": "101001",
        "subject": f"第一中学 指标ZB001 执行进度滞后 {n}",
        "amount": Decimal("100000.00"),
        "evidence": {"vouchers": ["PZ001", "PZ002"], "indicators": ["ZB001"]},
        "message": (
            "第一中学指标ZB001当前指标10.00万元，已支付3.12万元，执行率31.2%，"
            "时间进度100.0%，滞后68.8个百分点。"
        ),
        "first_as_of": dt.date(YEAR, 12, 31),
        "last_as_of": dt.date(YEAR, 12, 31),
    }
    values.update(extra)
    return Finding.objects.create(**values)


@pytest.fixture
def finding(loaded_year) -> Finding:
    return make_finding()


@pytest.fixture
def other_staff(make_user, budget_org):
    return make_user(Role.STAFF, organisation=budget_org, real_name="李核实")


def pdf_upload(name: str = "复函.pdf", size: int = 2000) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"0" * size, content_type="application/pdf")


def school_organisation() -> Organisation:
    """The audited unit as an organisation whose clerks answer letters online."""
    return Organisation.objects.get_or_create(
        code="ZF-SCHOOL",
        defaults={
            "name": "县第一中学",
            "kind": Organisation.Kind.DEPARTMENT,
            "region": Region.objects.get_or_create(
                code="610999", defaults={"name": "示范县", "level": Region.Level.COUNTY}
            )[0],
        },
    )[0]


def school_clerk() -> User:
    organisation = school_organisation()
    return User.objects.filter(organisation=organisation, role=Role.UNIT_HANDLER).first() or (
        User.objects.create_user(
            username=f"clerk{organisation.pk}",
            password="Renda-test-2026",
            role=Role.UNIT_HANDLER,
            organisation=organisation,
            real_name="王经办",
        )
    )


def put_in_state(finding: Finding, state: str, actor) -> Finding:
    """Set ``finding`` to ``state`` directly, with the inquiry an 已函询 (or 复函待审核) finding would
    have, addressed online to the school."""
    finding.state = state
    finding.save(update_fields=["state"])
    if state in (State.INQUIRED, State.REPLIED):
        Inquiry.objects.create(
            finding=finding,
            number=f"预工函〔{timezone.localdate().year}〕{900 + finding.pk}号",
            recipient="第一中学",
            body="请核实。",
            reply_due=timezone.localdate() + dt.timedelta(days=14),
            sent_by=actor,
            organisation=school_organisation(),
            **(
                {
                    "reply_text": "已说明。",
                    "replied_on": timezone.localdate(),
                    "reply_outcome": State.EXPLAINED,
                }
                if state == State.REPLIED
                else {}
            ),
        )
    return finding


def move(actor, finding: Finding, to: str):
    """Ask the service that makes the move to ``to`` (the school's clerk answers online)."""
    if to == State.VERIFYING:
        if finding.state == State.NEW:
            return services.finding_verify(actor=actor, finding=finding)
        return services.finding_reopen(actor=actor, finding=finding, reason="需要重新核实。")
    if to == State.REPLIED:
        letter = finding.inquiries.order_by("-id").first() or Inquiry.objects.create(
            finding=finding,
            number="预工函〔2025〕1号",
            recipient="第一中学",
            body="…",
            organisation=school_organisation(),
        )
        return inquiries.inquiry_reply_submit(
            actor=school_clerk(), inquiry=letter, outcome=State.EXPLAINED, reply_text="已按进度支付。"
        )
    if to == State.INQUIRED:
        if finding.state == State.REPLIED:
            return inquiries.finding_return_reply(actor=actor, finding=finding, reason="未说明支付依据。")
        return services.finding_inquire(actor=actor, finding=finding)
    if to in (State.EXPLAINED, State.RECTIFIED):
        if finding.state == State.REPLIED:
            return inquiries.finding_accept_reply(actor=actor, finding=finding, outcome=to)
        return services.finding_record_reply(
            actor=actor, finding=finding, outcome=to, reply_text="该款项为上年结转项目，已按进度支付。"
        )
    if to == State.CLOSED:
        return services.finding_close(actor=actor, finding=finding, note="说明合理，予以销号。")
    if to == State.FALSE_POSITIVE:
        return services.finding_mark_false_positive(actor=actor, finding=finding, reason="该指标为年末追加。")
    raise AssertionError(to)


TARGETS = [s for s in State.values if s != State.NEW]  # no act moves a finding back to 新发现
PAIRS = [(a, b) for a in State.values for b in TARGETS]


# --- the transition table -----------------------------------------------------------------------


def test_the_table_is_the_issue_s_workflow():
    assert TRANSITIONS[State.NEW] == {State.VERIFYING, State.FALSE_POSITIVE}
    assert TRANSITIONS[State.VERIFYING] == {
        State.INQUIRED,
        State.EXPLAINED,
        State.RECTIFIED,
        State.FALSE_POSITIVE,
    }
    assert TRANSITIONS[State.INQUIRED] == {
        State.REPLIED,
        State.EXPLAINED,
        State.RECTIFIED,
        State.FALSE_POSITIVE,
    }
    # An online reply is accepted, returned to the unit, or the warning was a false positive.
    assert TRANSITIONS[State.REPLIED] == {
        State.EXPLAINED,
        State.RECTIFIED,
        State.INQUIRED,
        State.FALSE_POSITIVE,
    }
    assert TRANSITIONS[State.EXPLAINED] == {State.CLOSED, State.VERIFYING}
    assert TRANSITIONS[State.RECTIFIED] == {State.CLOSED, State.VERIFYING}
    # 已销号 and 误报 are final for budget staff; only an administrator reopens them.
    assert {(State.CLOSED, State.VERIFYING), (State.FALSE_POSITIVE, State.VERIFYING)} == ADMIN_ONLY


@pytest.mark.parametrize(("start", "to"), PAIRS)
def test_every_move_is_made_or_refused_by_the_table(budget_staff, finding, start, to):
    put_in_state(finding, start, budget_staff)
    steps, audits = FindingStep.objects.count(), AuditEvent.objects.count()
    allowed = to in TRANSITIONS[start] and (start, to) not in ADMIN_ONLY
    if allowed:
        move(budget_staff, finding, to)
        finding.refresh_from_db()
        assert finding.state == to
        step = FindingStep.objects.filter(finding=finding).latest("id")
        mover = school_clerk() if to == State.REPLIED else budget_staff
        assert (step.from_state, step.to_state, step.actor) == (start, to, mover)
        assert FindingStep.objects.count() == steps + 1
        assert (
            AuditEvent.objects.filter(
                object_type="budget.finding", object_id=str(finding.pk), outcome="done"
            ).count()
            == 1
        )
    else:
        with pytest.raises(WrongState) as refused:
            move(budget_staff, finding, to)
        assert refused.value.messages  # a sentence for the page, never a 500
        finding.refresh_from_db()
        assert finding.state == start
        assert FindingStep.objects.count() == steps
        assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize("start", [State.CLOSED, State.FALSE_POSITIVE])
def test_only_an_administrator_reopens_a_closed_or_dismissed_finding(
    budget_staff, admin_user, finding, start
):
    put_in_state(finding, start, budget_staff)
    with pytest.raises(WrongState):
        services.finding_reopen(actor=budget_staff, finding=finding, reason="再看看。")
    services.finding_reopen(actor=admin_user, finding=finding, reason="审计发现新的情况，重新核实。")
    finding.refresh_from_db()
    assert finding.state == State.VERIFYING
    assert finding.steps.latest("id").note == "审计发现新的情况，重新核实。"


def test_allowed_moves_follow_role_and_table(budget_staff, admin_user, deputy_user, finding):
    assert services.allowed_moves(budget_staff, finding) == {State.VERIFYING, State.FALSE_POSITIVE}
    assert services.allowed_moves(deputy_user, finding) == set()
    put_in_state(finding, State.CLOSED, budget_staff)
    assert services.allowed_moves(budget_staff, finding) == set()
    assert services.allowed_moves(admin_user, finding) == {State.VERIFYING}


def test_false_positive_needs_a_reason(budget_staff, finding):
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.finding_mark_false_positive(actor=budget_staff, finding=finding, reason=reason)
        assert "reason" in refused.value.message_dict
    finding.refresh_from_db()
    assert finding.state == State.NEW and not finding.steps.exists()
    services.finding_mark_false_positive(
        actor=budget_staff, finding=finding, reason="年末追加指标，进度正常。"
    )
    finding.refresh_from_db()
    assert finding.state == State.FALSE_POSITIVE
    assert finding.steps.get().note == "年末追加指标，进度正常。"


def test_closing_needs_a_note_and_reopening_a_reason(budget_staff, finding):
    put_in_state(finding, State.EXPLAINED, budget_staff)
    with pytest.raises(ValidationError):
        services.finding_close(actor=budget_staff, finding=finding, note=" ")
    with pytest.raises(ValidationError):
        services.finding_reopen(actor=budget_staff, finding=finding, reason="")
    finding.refresh_from_db()
    assert finding.state == State.EXPLAINED


# --- assignment ---------------------------------------------------------------------------------


def test_assign_to_budget_staff_or_administrators_only(
    budget_staff, other_staff, admin_user, staff_user, deputy_user, unit_user, finding
):
    services.finding_assign(actor=budget_staff, finding=finding, assignee=other_staff, note="请核实")
    finding.refresh_from_db()
    assert finding.assignee == other_staff
    step = finding.steps.get()
    assert step.from_state == step.to_state == State.NEW
    assert step.note == "指派给 李核实：请核实"
    audit = AuditEvent.objects.get(action="budget.finding_assign")
    assert audit.changes["assignee_id"] == [None, other_staff.pk]
    services.finding_assign(actor=budget_staff, finding=finding, assignee=admin_user)
    for wrong in (staff_user, deputy_user, unit_user):
        with pytest.raises(ValidationError) as refused:
            services.finding_assign(actor=budget_staff, finding=finding, assignee=wrong)
        assert "assignee" in refused.value.message_dict
    finding.refresh_from_db()
    assert finding.assignee == admin_user
    assert set(services.finding_assignees()) == {budget_staff, other_staff, admin_user}


def test_a_finished_finding_is_not_reassigned(budget_staff, other_staff, finding):
    put_in_state(finding, State.CLOSED, budget_staff)
    with pytest.raises(WrongState):
        services.finding_assign(actor=budget_staff, finding=finding, assignee=other_staff)


def test_verifying_assigns_the_finding_to_the_actor_when_nobody_has_it(
    budget_staff, other_staff, loaded_year
):
    first, second = make_finding(), make_finding(assignee=other_staff)
    services.finding_verify(actor=budget_staff, finding=first)
    services.finding_verify(actor=budget_staff, finding=second, note="开始核实")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee == budget_staff and first.state == State.VERIFYING
    assert second.assignee == other_staff and second.steps.get().note == "开始核实"


# --- the inquiry letter -------------------------------------------------------------------------


def test_the_letter_is_drafted_from_the_template(budget_staff, finding):
    put_in_state(finding, State.VERIFYING, budget_staff)
    today = timezone.localdate()
    draft = services.inquiry_draft(actor=budget_staff, finding=finding, today=today)
    assert draft.recipient == "第一中学"  # the unit's name from BudgetUnit
    assert draft.body.startswith("第一中学：")
    assert finding.message in draft.body
    assert "支付凭证 PZ001，2025年3月1日，30,000.00元，收款人 城关建设公司" in draft.body
    assert "收款人 张**" in draft.body  # an individual payee is masked in the letter
    assert "预算指标 ZB001" in draft.body
    from renda.core.calendar import add_working_days

    assert draft.reply_due == add_working_days(today, 10)
    assert f"{draft.reply_due.year}年{draft.reply_due.month}月{draft.reply_due.day}日前" in draft.body
    assert draft.number == f"预工函〔{today.year}〕1号"


def test_sending_numbers_the_letter_and_keeps_the_edited_body(budget_staff, finding, loaded_year):
    put_in_state(finding, State.VERIFYING, budget_staff)
    year = timezone.localdate().year
    inquiry = services.finding_inquire(
        actor=budget_staff, finding=finding, body="第一中学：\n\n请说明ZB001执行缓慢的原因。\n\n特此函询。"
    )
    assert inquiry.number == f"预工函〔{year}〕1号"
    assert inquiry.recipient == "第一中学"
    assert inquiry.body.endswith("特此函询。") and "执行缓慢的原因" in inquiry.body
    assert inquiry.sent_by == budget_staff
    finding.refresh_from_db()
    assert finding.state == State.INQUIRED
    step = finding.steps.get()
    assert inquiry.number in step.note and (step.from_state, step.to_state) == (
        State.VERIFYING,
        State.INQUIRED,
    )
    audit = AuditEvent.objects.get(action="budget.finding_inquire")
    assert audit.changes["inquiry"] == [None, inquiry.number]

    second = make_finding(key="other", state=State.VERIFYING)
    assert services.finding_inquire(actor=budget_staff, finding=second).number == f"预工函〔{year}〕2号"


def test_letter_numbers_count_per_year(budget_staff, loaded_year, monkeypatch):
    Inquiry.objects.create(
        finding=make_finding(state=State.INQUIRED), number="预工函〔2026〕7号", recipient="教育局", body="…"
    )
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 12, 30))
    a = services.finding_inquire(actor=budget_staff, finding=make_finding(state=State.VERIFYING))
    assert a.number == "预工函〔2026〕8号"
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2027, 1, 4))
    b = services.finding_inquire(actor=budget_staff, finding=make_finding(state=State.VERIFYING))
    c = services.finding_inquire(actor=budget_staff, finding=make_finding(state=State.VERIFYING))
    assert (b.number, c.number) == ("预工函〔2027〕1号", "预工函〔2027〕2号")
    assert b.reply_due is not None and b.reply_due > dt.date(2027, 1, 4)


def test_a_letter_needs_a_recipient_a_body_and_a_future_due_date(budget_staff, finding):
    put_in_state(finding, State.VERIFYING, budget_staff)
    for kwargs, field in (
        ({"recipient": " "}, "recipient"),
        ({"body": "  "}, "body"),
        ({"reply_due": timezone.localdate()}, "reply_due"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.finding_inquire(actor=budget_staff, finding=finding, **kwargs)
        assert field in refused.value.message_dict
    assert not Inquiry.objects.exists()
    finding.refresh_from_db()
    assert finding.state == State.VERIFYING


def test_a_unit_without_a_name_is_written_to_by_the_recipient_typed(budget_staff, loaded_year):
    x = make_finding(unit_code="999", state=State.VERIFYING)
    with pytest.raises(ValidationError):
        services.finding_inquire(actor=budget_staff, finding=x)
    assert (
        services.finding_inquire(actor=budget_staff, finding=x, recipient="某某单位").recipient == "某某单位"
    )


# --- the reply ----------------------------------------------------------------------------------


def test_recording_the_reply_with_its_scanned_letter(budget_staff, finding):
    put_in_state(finding, State.VERIFYING, budget_staff)
    inquiry = services.finding_inquire(actor=budget_staff, finding=finding)
    services.finding_record_reply(
        actor=budget_staff,
        finding=finding,
        outcome=State.RECTIFIED,
        reply_text="已督促施工单位加快进度，12月底前支付完毕。",
        reply_file=pdf_upload("第一中学复函.pdf"),
    )
    inquiry.refresh_from_db()
    finding.refresh_from_db()
    assert finding.state == State.RECTIFIED
    assert inquiry.replied_on == timezone.localdate()
    assert inquiry.reply_text.startswith("已督促")
    assert inquiry.reply_file_name == "第一中学复函.pdf"
    assert "第一中学复函" not in (inquiry.reply_file.name or "")  # the stored name is made by the service
    assert inquiry.reply_file.read().startswith(b"%PDF")
    step = finding.steps.latest("id")
    assert (step.from_state, step.to_state) == (State.INQUIRED, State.RECTIFIED)
    assert inquiry.number in step.note
    audit = AuditEvent.objects.get(action="budget.finding_reply")
    assert audit.changes["state"] == [State.INQUIRED, State.RECTIFIED]
    assert audit.changes["reply_file"] == [None, "第一中学复函.pdf"]


def test_an_explanation_without_a_letter_is_kept_on_the_step(budget_staff, finding):
    put_in_state(finding, State.VERIFYING, budget_staff)
    services.finding_record_reply(
        actor=budget_staff,
        finding=finding,
        outcome=State.EXPLAINED,
        reply_text="电话核实：系跨年项目。",
        reply_file=pdf_upload("说明.pdf"),
        replied_on=timezone.localdate() - dt.timedelta(days=1),
    )
    step = finding.steps.get()
    assert step.to_state == State.EXPLAINED and "电话核实" in step.note
    assert step.attachment_name == "说明.pdf" and step.attachment.read().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("病毒.exe", b"MZ" + b"0" * 100), "file_type"),
        (SimpleUploadedFile("复函.html", b"<script>alert(1)</script>"), "file_type"),
        (SimpleUploadedFile("假的.pdf", b"MZ not a pdf at all"), "file_content"),
        (SimpleUploadedFile("扫描.jpg", b"%PDF-1.4 not a jpeg"), "file_content"),
        (SimpleUploadedFile("空的.pdf", b""), "file_empty"),
        (SimpleUploadedFile("没有扩展名", b"%PDF-1.4"), "file_type"),
    ],
)
def test_reply_files_of_a_wrong_type_or_content_are_refused(budget_staff, finding, upload, code):
    put_in_state(finding, State.INQUIRED, budget_staff)
    with pytest.raises(ValidationError) as refused:
        services.finding_record_reply(
            actor=budget_staff,
            finding=finding,
            outcome=State.EXPLAINED,
            reply_text="说明。",
            reply_file=upload,
        )
    assert refused.value.error_dict["reply_file"][0].code == code
    finding.refresh_from_db()
    assert finding.state == State.INQUIRED and not finding.inquiries.get().replied_on


def test_reply_files_over_the_size_limit_are_refused(budget_staff, finding, settings):
    settings.RENDA_BUDGET_FINDINGS = {"FILE_MAX_BYTES": 1024 * 1024}
    put_in_state(finding, State.INQUIRED, budget_staff)
    with pytest.raises(ValidationError) as refused:
        services.finding_record_reply(
            actor=budget_staff,
            finding=finding,
            outcome=State.EXPLAINED,
            reply_text="说明。",
            reply_file=pdf_upload(size=1024 * 1024 + 1),
        )
    assert "1 MB" in refused.value.message_dict["reply_file"][0]
    services.finding_record_reply(
        actor=budget_staff,
        finding=finding,
        outcome=State.EXPLAINED,
        reply_text="说明。",
        reply_file=SimpleUploadedFile("扫描件.png", b"\x89PNG\r\n\x1a\n" + b"0" * 500),
    )


def test_a_reply_needs_text_a_real_outcome_and_a_possible_date(budget_staff, finding):
    put_in_state(finding, State.INQUIRED, budget_staff)
    cases = (
        ({"outcome": State.EXPLAINED, "reply_text": " "}, "reply_text"),
        ({"outcome": State.CLOSED, "reply_text": "说明。"}, "outcome"),
        (
            {
                "outcome": State.EXPLAINED,
                "reply_text": "说明。",
                "replied_on": timezone.localdate() + dt.timedelta(days=1),
            },
            "replied_on",
        ),
        (
            {
                "outcome": State.EXPLAINED,
                "reply_text": "说明。",
                "replied_on": timezone.localdate() - dt.timedelta(days=400),
            },
            "replied_on",
        ),
    )
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.finding_record_reply(actor=budget_staff, finding=finding, **kwargs)
        assert field in refused.value.message_dict
    finding.refresh_from_db()
    assert finding.state == State.INQUIRED


# --- the whole way, audited ---------------------------------------------------------------------


def test_the_whole_way_leaves_a_step_and_an_audit_row_per_act(budget_staff, other_staff, finding):
    services.finding_assign(actor=budget_staff, finding=finding, assignee=other_staff)
    services.finding_verify(actor=other_staff, finding=finding)
    services.finding_inquire(actor=other_staff, finding=finding)
    services.finding_record_reply(
        actor=other_staff, finding=finding, outcome=State.EXPLAINED, reply_text="系年末集中结算。"
    )
    services.finding_close(actor=other_staff, finding=finding, note="说明合理，同意销号。")
    steps = list(finding.steps.values_list("from_state", "to_state"))
    assert steps == [
        (State.NEW, State.NEW),
        (State.NEW, State.VERIFYING),
        (State.VERIFYING, State.INQUIRED),
        (State.INQUIRED, State.EXPLAINED),
        (State.EXPLAINED, State.CLOSED),
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="budget.finding", object_id=str(finding.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "budget.finding_assign",
        "budget.finding_verify",
        "budget.finding_inquire",
        "budget.finding_reply",
        "budget.finding_close",
    ]
    assert AuditEvent.objects.filter(action="budget.finding_close", actor=other_staff).exists()


# --- who may act --------------------------------------------------------------------------------

SERVICE_CALLS = {
    "assign": lambda actor, x, staff: services.finding_assign(actor=actor, finding=x, assignee=staff),
    "verify": lambda actor, x, staff: services.finding_verify(actor=actor, finding=x),
    "inquire": lambda actor, x, staff: services.finding_inquire(actor=actor, finding=x),
    "reply": lambda actor, x, staff: services.finding_record_reply(
        actor=actor, finding=x, outcome=State.EXPLAINED, reply_text="说明。"
    ),
    "close": lambda actor, x, staff: services.finding_close(actor=actor, finding=x, note="销号。"),
    "false_positive": lambda actor, x, staff: services.finding_mark_false_positive(
        actor=actor, finding=x, reason="误报。"
    ),
    "reopen": lambda actor, x, staff: services.finding_reopen(actor=actor, finding=x, reason="重新核实。"),
    "draft": lambda actor, x, staff: services.inquiry_draft(actor=actor, finding=x),
}
READY = {
    "assign": State.NEW,
    "verify": State.NEW,
    "inquire": State.VERIFYING,
    "reply": State.INQUIRED,
    "close": State.EXPLAINED,
    "false_positive": State.NEW,
    "reopen": State.RECTIFIED,
    "draft": State.VERIFYING,
}


@pytest.mark.parametrize("act", list(SERVICE_CALLS))
def test_only_budget_staff_and_administrators_act_on_findings(
    act,
    budget_staff,
    admin_user,
    staff_user,
    deputy_user,
    unit_user,
    citizen_user,
    finance_feed_user,
    loaded_year,
):
    for outsider in (staff_user, deputy_user, unit_user, citizen_user, finance_feed_user):
        x = put_in_state(make_finding(), READY[act], budget_staff)
        with pytest.raises(PermissionRefused):
            SERVICE_CALLS[act](outsider, x, budget_staff)
        x.refresh_from_db()
        assert x.state == READY[act] and x.assignee is None and not x.steps.exists()
        if act != "draft":  # a refused service leaves an audit row of the refusal
            assert AuditEvent.objects.filter(actor=outsider, outcome="refused").exists()
    for insider in (budget_staff, admin_user):
        x = put_in_state(make_finding(), READY[act], budget_staff)
        SERVICE_CALLS[act](insider, x, budget_staff)


def test_a_finding_of_another_region_is_refused(budget_staff, loaded_year):
    x = make_finding(region_code="110101")
    with pytest.raises(PermissionRefused):
        services.finding_verify(actor=budget_staff, finding=x)
    with pytest.raises(Finding.DoesNotExist):
        selectors.finding_for(actor=budget_staff, pk=x.pk)


# --- selectors ----------------------------------------------------------------------------------


def test_only_budget_staff_and_administrators_see_findings(
    budget_staff, admin_user, staff_user, deputy_user, unit_user, citizen_user, finding
):
    for outsider in (staff_user, deputy_user, unit_user, citizen_user):
        with pytest.raises(PermissionRefused):
            selectors.findings_visible_to(actor=outsider, filters=FindingFilter(year=YEAR))
        with pytest.raises(PermissionRefused):
            selectors.findings_rule_stats(actor=outsider, year=YEAR)
        with pytest.raises(PermissionRefused):
            selectors.finding_for(actor=outsider, pk=finding.pk)
    for insider in (budget_staff, admin_user):
        assert list(selectors.findings_visible_to(actor=insider, filters=FindingFilter(year=YEAR))) == [
            finding
        ]


def test_the_filters(budget_staff, other_staff, loaded_year):
    a = make_finding(rule_code="EXEC_LAG", severity="red", unit_code="101001", assignee=budget_staff)
    b = make_finding(rule_code="NON_WORKDAY", severity="yellow", unit_code="101", state=State.VERIFYING)
    c = make_finding(
        rule_code="NON_WORKDAY", severity="yellow", unit_code="102", assignee=other_staff, active=False
    )
    d = make_finding(year=YEAR - 1, unit_code="102")

    def pks(**kw):
        filters = FindingFilter(**{"year": YEAR, **kw})
        return {x.pk for x in selectors.findings_visible_to(actor=budget_staff, filters=filters)}

    assert pks() == {a.pk, b.pk, c.pk}
    assert pks(year=YEAR - 1) == {d.pk}
    assert pks(rule="NON_WORKDAY") == {b.pk, c.pk}
    assert pks(severity="red") == {a.pk}
    assert pks(state=State.VERIFYING) == {b.pk}
    assert pks(unit="101") == {a.pk, b.pk}  # with its sub-unit 101001
    assert pks(unit="101001") == {a.pk}
    assert pks(assignee=other_staff.pk) == {c.pk}
    assert pks(mine=True) == {a.pk}
    assert pks(active=True) == {a.pk, b.pk}
    assert pks(active=False) == {c.pk}
    listed = list(selectors.findings_visible_to(actor=budget_staff, filters=FindingFilter(year=YEAR)))
    assert listed[0] == a  # red first
    # unit_name is an annotation of findings_visible_to, which the QuerySet[Finding] type does not carry
    assert {x.unit_name for x in listed} == {"第一中学", "教育局", "卫生健康局"}  # type: ignore[attr-defined]


def test_per_rule_counts_and_false_positive_share(budget_staff, loaded_year):
    lag = [make_finding(rule_code="EXEC_LAG") for _ in range(4)]
    work = [make_finding(rule_code="NON_WORKDAY", severity="yellow") for _ in range(3)]
    make_finding(rule_code="EXEC_LAG", year=YEAR - 1, state=State.FALSE_POSITIVE)  # another year
    services.finding_mark_false_positive(actor=budget_staff, finding=lag[0], reason="年末追加指标。")
    services.finding_verify(actor=budget_staff, finding=lag[1])
    for x in work[:2]:
        services.finding_mark_false_positive(actor=budget_staff, finding=x, reason="调休工作日。")
    stats = {s.code: s for s in selectors.findings_rule_stats(actor=budget_staff, year=YEAR)}
    assert stats["EXEC_LAG"].total == 4
    assert stats["EXEC_LAG"].by_state == {State.NEW: 2, State.VERIFYING: 1, State.FALSE_POSITIVE: 1}
    assert stats["EXEC_LAG"].false_positive_share == Decimal("25.0")
    assert stats["NON_WORKDAY"].false_positive_share == Decimal("66.7")
    assert stats["NON_WORKDAY"].open == 1
    assert stats["OUTLIER"].total == 0 and stats["OUTLIER"].false_positive_share is None
    assert list(stats)[:2] == ["EXEC_LAG", "YEAR_END_RUSH"]  # the catalogue's order, every rule listed
    counts = selectors.findings_state_counts(actor=budget_staff, year=YEAR)
    assert counts[State.FALSE_POSITIVE] == 3 and counts[State.NEW] == 3 and counts[State.CLOSED] == 0


def test_evidence_down_to_the_voucher_and_indicator(budget_staff, finding):
    finding.evidence = {"vouchers": ["PZ002", "PZ001", "PZ999"], "indicators": ["ZB001", "ZB404"]}
    evidence = selectors.finding_evidence(actor=budget_staff, finding=finding)
    assert [no for no, _p in evidence.payments] == ["PZ002", "PZ001", "PZ999"]
    assert evidence.payments[2][1] is None  # listed, though gone from the data
    assert evidence.paid_total == Decimal("31200.50")
    zb001, zb404 = evidence.indicators
    assert (zb001.paid, zb001.payments, zb001.rate) == (Decimal("31200.50"), 2, Decimal("31.2"))
    assert zb001.vouchers_query() == {
        "year": str(YEAR),
        "unit": "101001",
        "function": "2050201",
        "econ": "30201",
        "budget_type": "1",
        "project": "P1",
    }
    assert zb404.indicator is None and zb404.vouchers_query() == {}


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_moves_findings_through_the_workflow_once(budget_staff, loaded_year):
    from types import SimpleNamespace

    from renda.demo.budget import DEMO_YEAR
    from renda.demo.budget_findings import findings_demo

    rules = [
        "EXEC_LAG",
        "NO_INDICATOR",
        "OVER_INDICATOR",
        "SPLIT_PAYMENT",
        "THREE_PUBLIC_OVER",
        "NON_WORKDAY",
    ]
    for n, rule in enumerate(rules * 2):
        make_finding(year=DEMO_YEAR, rule_code=rule, key=f"demo{n}", unit_code="101")
    counts: dict[str, int] = {}
    ctx = SimpleNamespace(
        users={"budget": budget_staff},
        notes=[],
        count=lambda key, value, label="": counts.update({key: value}),
    )
    findings_demo(ctx)
    states = list(Finding.objects.filter(year=DEMO_YEAR).values_list("state", flat=True))
    for state in (State.VERIFYING, State.INQUIRED, State.EXPLAINED, State.CLOSED, State.FALSE_POSITIVE):
        assert states.count(state) == 1, state
    assert states.count(State.NEW) == 7
    assert Finding.objects.filter(year=DEMO_YEAR, assignee=budget_staff).count() == 6
    assert Finding.objects.get(year=DEMO_YEAR, state=State.FALSE_POSITIVE).rule_code == "NON_WORKDAY"
    explained = Finding.objects.get(year=DEMO_YEAR, state=State.EXPLAINED).inquiries.get()
    assert explained.reply_file_name == "教育局复函.pdf" and explained.reply_file.read(4) == b"%PDF"
    assert Inquiry.objects.filter(finding__year=DEMO_YEAR).count() == 3
    assert counts["budget_findings_handled"] == 5
    steps = FindingStep.objects.count()
    findings_demo(ctx)  # a second run changes nothing
    assert FindingStep.objects.count() == steps
