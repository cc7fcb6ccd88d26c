"""Services: bad input refused with a message and nothing changed; numbering, merge, commitments,
reminders, chases, publication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from renda.core.models import AuditEvent
from renda.core.permissions import PermissionRefused
from renda.notifications.models import Notification
from renda.suggestions import services
from renda.suggestions.models import (
    Attachment,
    Chase,
    Commitment,
    Evaluation,
    Reply,
    State,
    Suggestion,
)

from .conftest import CONTENT, pdf_upload

pytestmark = pytest.mark.django_db


def _create(flow, **kw):
    args = {
        "actor": flow.deputy.user,
        "title": "关于幸福小区改造的建议",
        "content": CONTENT,
        "category": flow.category,
    }
    args.update(kw)
    return services.suggestion_create(**args)


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("title", {"title": "   "}),
        ("content", {"content": ""}),
        ("content", {"content": "太短"}),
        ("title", {"title": "长" * 121}),
        ("content", {"content": "字" * 10_001}),
    ],
    ids=["empty-title", "empty-content", "too-short", "title-too-long", "content-too-long"],
)
def test_empty_or_oversized_suggestion_is_refused_and_nothing_is_saved(flow, field, kw):
    with pytest.raises(ValidationError) as exc:
        _create(flow, **kw)
    assert field in exc.value.message_dict
    assert Suggestion.objects.count() == 0


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("病毒.exe", b"MZ" + b"0" * 100, content_type="application/octet-stream"),
        SimpleUploadedFile("脚本.html", b"<script>", content_type="text/html"),
        SimpleUploadedFile("假的.pdf", b"MZ not a pdf", content_type="application/pdf"),
        SimpleUploadedFile("空的.txt", b"", content_type="text/plain"),
    ],
    ids=["exe", "html", "fake-pdf", "empty"],
)
def test_disallowed_attachment_is_refused_and_nothing_is_saved(flow, upload):
    with pytest.raises(ValidationError) as exc:
        _create(flow, files=[upload])
    assert upload.name in exc.value.messages[0]
    assert Suggestion.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_oversized_attachment_is_refused(flow, settings):
    settings.RENDA_SUGGESTIONS = {"ATTACHMENT_MAX_BYTES": 1000}
    with pytest.raises(ValidationError) as exc:
        _create(flow, files=[pdf_upload(size=2000)])
    assert "1" in exc.value.messages[0] or exc.value.code == "file_size"
    assert Suggestion.objects.count() == 0


def test_allowed_attachment_is_stored_under_a_random_name(flow):
    s = _create(flow, files=[pdf_upload("../../etc/现场照片.pdf")])
    attachment = s.attachments.get()
    assert attachment.name == "现场照片.pdf"
    assert ".." not in attachment.file.name and "现场" not in attachment.file.name
    assert attachment.file.name.startswith("suggestions/")


def test_too_many_attachments_are_refused(flow):
    with pytest.raises(ValidationError):
        _create(flow, files=[pdf_upload(f"{i}.pdf") for i in range(6)])
    assert Suggestion.objects.count() == 0


def test_reply_without_a_class_is_refused_and_changes_nothing(flow):
    s = flow.to(State.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.suggestion_reply(actor=flow.lead_clerk, suggestion=s, reply_class="", text="已研究。")
    assert "reply_class" in exc.value.message_dict
    s.refresh_from_db()
    assert s.state == State.IN_PROGRESS
    assert Reply.objects.count() == 0


def test_reply_of_class_b_needs_a_commitment(flow):
    s = flow.to(State.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.suggestion_reply(actor=flow.lead_clerk, suggestion=s, reply_class="B", text="正在解决。")
    assert "commitments" in exc.value.message_dict
    assert Reply.objects.count() == 0


def test_rating_by_someone_other_than_the_lead_deputy_is_refused_audited_and_changes_nothing(flow):
    s = flow.to(State.REPLIED)
    for intruder in (flow.cosigner.user, flow.office, flow.lead_clerk):
        with pytest.raises(PermissionRefused) as exc:
            services.suggestion_rate(actor=intruder, suggestion=s, result="satisfied", attitude=5)
        assert exc.value.message  # the Chinese message is the gettext of this English one
        assert AuditEvent.objects.filter(
            actor=intruder, action="suggestions.rate", outcome=AuditEvent.Outcome.REFUSED
        ).exists()
    s.refresh_from_db()
    assert s.state == State.REPLIED
    assert Evaluation.objects.count() == 0


@pytest.mark.parametrize("attitude", [0, 6])
def test_attitude_outside_one_to_five_is_refused(flow, attitude):
    s = flow.to(State.REPLIED)
    with pytest.raises(ValidationError):
        services.suggestion_rate(actor=flow.deputy.user, suggestion=s, result="satisfied", attitude=attitude)
    assert Evaluation.objects.count() == 0


def test_unsatisfied_without_a_comment_is_refused(flow):
    s = flow.to(State.REPLIED)
    with pytest.raises(ValidationError):
        services.suggestion_rate(actor=flow.deputy.user, suggestion=s, result="unsatisfied", attitude=3)
    s.refresh_from_db()
    assert s.state == State.REPLIED


def test_registration_numbers_follow_the_pattern_per_year(flow, settings):
    year = timezone.localdate().year
    first = flow.to(State.REGISTERED)
    second = flow.to(State.REGISTERED, title="关于柳林镇乡村公路养护的建议")
    assert first.number == f"{year}-001"
    assert second.number == f"{year}-002"
    settings.RENDA_SUGGESTIONS = {"NUMBER_PATTERN": "示建〔{year}〕{seq}号"}
    third = flow.to(State.REGISTERED, title="关于河口镇农田水利设施的建议")
    assert third.number == f"示建〔{year}〕3号"


def test_cosigner_confirms_and_is_listed(flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        s = flow.draft()
    cosign = s.cosigns.get()
    assert cosign.signed_at is None
    services.suggestion_cosign(actor=flow.cosigner.user, suggestion=s)
    cosign.refresh_from_db()
    assert cosign.signed_at is not None
    assert Notification.objects.filter(recipient=flow.cosigner.user, kind="suggestion.invite").exists()


def test_merge_makes_the_duplicates_deputy_a_cosigner(flow, other_deputy):
    target = flow.to(State.REGISTERED)
    duplicate = services.suggestion_create(
        actor=other_deputy.user, title="关于幸福小区管网改造的建议", content=CONTENT, category=flow.category
    )
    services.suggestion_submit(actor=other_deputy.user, suggestion=duplicate)
    services.suggestion_merge(actor=flow.office, suggestion=duplicate, into=target)
    duplicate.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into == target
    assert target.cosigns.filter(deputy=other_deputy, signed_at__isnull=False).exists()
    with pytest.raises(ValidationError):
        services.suggestion_merge(actor=flow.office, suggestion=target, into=target)


def test_full_life_with_commitment_tracked_after_closure(flow):
    s = flow.to(State.IN_PROGRESS)
    co = s.assignments.get(role="co")
    services.assignment_send_opinion(
        actor=flow.co_clerk, assignment=co, text="建议结合排水防涝工程一并实施。"
    )
    due = timezone.localdate() + dt.timedelta(days=120)
    services.suggestion_reply(
        actor=flow.lead_clerk,
        suggestion=s,
        reply_class="B",
        text="已列入明年改造计划。",
        commitments=[services.CommitmentIn("完成管网改造", due)],
        file=pdf_upload("答复函.pdf"),
    )
    services.suggestion_rate(
        actor=flow.deputy.user, suggestion=s, result="unsatisfied", attitude=3, comment="时间太晚"
    )
    s.refresh_from_db()
    services.suggestion_reply(actor=flow.lead_clerk, suggestion=s, reply_class="A", text="已提前到今年实施。")
    services.suggestion_rate(actor=flow.deputy.user, suggestion=s, result="satisfied", attitude=5)
    s.refresh_from_db()
    assert s.state == State.CLOSED and s.rounds == 2
    assert list(s.replies.values_list("round", "reply_class")) == [(1, "B"), (2, "A")]
    commitment = Commitment.objects.get(suggestion=s)
    assert commitment.fulfilled_at is None  # still tracked after closure
    services.commitment_fulfil(actor=flow.lead_clerk, commitment=commitment, note="已完工验收")
    commitment.refresh_from_db()
    assert commitment.fulfilled_at is not None
    with pytest.raises(ValidationError):
        services.commitment_fulfil(actor=flow.lead_clerk, commitment=commitment, note="再次")


def test_unit_asks_to_be_replaced_and_staff_reassign(flow, third_unit, other_clerk):
    s = flow.to(State.ASSIGNED)
    lead = s.assignments.get(role="lead")
    services.assignment_request_release(actor=flow.lead_clerk, assignment=lead, reason="不属于本单位职责。")
    new = services.assignment_reassign(actor=flow.office, assignment=lead, unit=third_unit)
    lead.refresh_from_db()
    assert lead.ended_at is not None and new.unit == third_unit and new.role == "lead"
    s.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.assignment_accept(actor=flow.lead_clerk, assignment=new)
    services.assignment_accept(actor=other_clerk, assignment=new)
    s.refresh_from_db()
    assert s.state == State.IN_PROGRESS


def test_accepted_assignment_cannot_ask_to_be_replaced(flow):
    s = flow.to(State.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.assignment_request_release(
            actor=flow.lead_clerk, assignment=s.assignments.get(role="lead"), reason="太难"
        )


def test_reminders_notify_everyone_involved_once_a_day(flow, django_capture_on_commit_callbacks):
    s = flow.to(State.IN_PROGRESS)
    flow.lead_clerk.email = "clerk@example.cn"
    flow.lead_clerk.save()
    Suggestion.objects.filter(pk=s.pk).update(reply_due=timezone.localdate() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.reminders_send()
    assert counts["overdue"] == 1  # one suggestion; to the deputy, the units' clerks, the office
    kind = "suggestion.overdue"
    users = set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))
    assert {flow.deputy.user.pk, flow.lead_clerk.pk, flow.co_clerk.pk, flow.office.pk} <= users
    assert services.reminders_send()["overdue"] == 0  # not again today


def test_due_soon_reminder(flow, django_capture_on_commit_callbacks):
    s = flow.to(State.IN_PROGRESS)
    flow.lead_clerk.email = "clerk@example.cn"
    flow.lead_clerk.save()
    Suggestion.objects.filter(pk=s.pk).update(reply_due=timezone.localdate() + dt.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.reminders_send()
    assert counts["due_soon"] == 1
    assert Notification.objects.filter(recipient=flow.lead_clerk, kind="suggestion.due_soon").exists()


def test_chase_is_logged_and_notifies_the_units(flow, django_capture_on_commit_callbacks):
    s = flow.to(State.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_chase(actor=flow.office, suggestion=s, note="请加快办理进度。")
        services.suggestion_chase(actor=flow.office, suggestion=s, note="再次催办。")
    assert Chase.objects.filter(suggestion=s).count() == 2
    assert Notification.objects.filter(recipient=flow.lead_clerk, kind="suggestion.chased").count() == 2
    assert AuditEvent.objects.filter(action="suggestions.chase").count() == 2


def test_key_suggestion_gets_a_supervising_leader(flow):
    s = flow.to(State.ASSIGNED)
    with pytest.raises(ValidationError):
        services.suggestion_mark_key(actor=flow.office, suggestion=s, leader=" ")
    services.suggestion_mark_key(actor=flow.office, suggestion=s, leader="张主任", note="第12次主任会议")
    s.refresh_from_db()
    assert s.is_key and s.supervising_leader == "张主任"


def test_publish_only_after_a_reply(flow):
    s = flow.to(State.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.suggestion_publish(actor=flow.office, suggestion=s, summary="摘要")
    s = flow.to(State.CLOSED, s)
    services.suggestion_publish(actor=flow.office, suggestion=s, summary="已完成改造。")
    s.refresh_from_db()
    assert s.published_at is not None


def test_categories_are_managed_by_the_office(flow):
    category = services.category_create(actor=flow.office, name="民族宗教")
    with pytest.raises(ValidationError):
        services.category_create(actor=flow.office, name="民族宗教")
    services.category_toggle(actor=flow.office, category=category)
    category.refresh_from_db()
    assert not category.is_active


def test_unit_that_has_not_accepted_in_time_is_reminded(flow, django_capture_on_commit_callbacks):
    s = flow.to(State.ASSIGNED)
    s.assignments.update(accept_due=timezone.localdate() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.reminders_send()
    assert counts["not_accepted"] == 2  # both units (each to its clerks and the office)
    late = Notification.objects.filter(kind="suggestion.not_accepted")
    assert late.filter(recipient=flow.co_clerk).exists() and late.filter(recipient=flow.lead_clerk).exists()
    assert services.reminders_send()["not_accepted"] == 0  # not again within the day
