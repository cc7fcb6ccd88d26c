"""Who sees what, and every service refusing the wrong actor (audited)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from renda.accounts.models import Role
from renda.core.models import AuditEvent
from renda.suggestions import selectors, services
from renda.suggestions.models import State, Suggestion

from .conftest import CONTENT

pytestmark = pytest.mark.django_db


def visible(user) -> set[int]:
    return set(selectors.suggestions_visible_to(actor=user).values_list("pk", flat=True))


def test_deputy_sees_own_drafts_and_cosigned_but_not_others(flow, other_deputy):
    mine = flow.draft()
    theirs = services.suggestion_create(
        actor=other_deputy.user, title="关于公交线路延伸的建议", content=CONTENT, category=flow.category
    )
    assert visible(flow.deputy.user) == {mine.pk}
    assert visible(flow.cosigner.user) == {mine.pk}  # invited to co-sign
    assert visible(other_deputy.user) == {theirs.pk}
    with pytest.raises(PermissionDenied):
        selectors.suggestion_for(actor=other_deputy.user, pk=mine.pk)


def test_a_draft_is_the_deputys_own_until_submitted(flow, other_deputy, other_staff, other_clerk, admin_user):
    draft = flow.draft()  # invites flow.cosigner
    uninvited = other_deputy.user
    assert draft.pk not in visible(flow.office)
    assert draft.pk not in visible(uninvited)
    assert draft.pk not in visible(flow.lead_clerk)
    assert draft.pk in visible(flow.deputy.user) and draft.pk in visible(flow.cosigner.user)
    for user in (flow.office, uninvited, flow.lead_clerk, other_clerk, other_staff, admin_user):
        with pytest.raises(PermissionDenied):
            selectors.suggestion_for(actor=user, pk=draft.pk)
    assert selectors.suggestion_for(actor=flow.cosigner.user, pk=draft.pk) == draft
    # Once submitted, the office sees it (and keeps seeing it when it returns it for revision).
    submitted = flow.to(State.SUBMITTED, draft)
    assert submitted.pk in visible(flow.office)
    services.suggestion_return(actor=flow.office, suggestion=submitted, reason="请补充具体地点。")
    assert selectors.suggestion_for(actor=flow.office, pk=draft.pk).state == State.RETURNED


def test_office_cannot_open_a_draft_page_or_its_attachment(flow, client_for):
    draft = flow.draft()
    assert client_for(flow.office).get(f"/suggestions/{draft.pk}/").status_code in (403, 404)
    assert client_for(flow.deputy.user).get(f"/suggestions/{draft.pk}/").status_code == 200


def test_unit_sees_only_what_is_assigned_to_it(flow, other_clerk):
    assigned = flow.to(State.ASSIGNED)
    flow.to(State.REGISTERED, title="关于柳林镇乡村公路养护的建议")
    assert visible(flow.lead_clerk) == {assigned.pk}
    assert visible(flow.co_clerk) == {assigned.pk}
    assert visible(other_clerk) == set()
    with pytest.raises(PermissionDenied):
        selectors.suggestion_for(actor=other_clerk, pk=assigned.pk)


def test_replaced_unit_no_longer_sees_the_suggestion(flow, third_unit):
    s = flow.to(State.ASSIGNED)
    services.assignment_reassign(actor=flow.office, assignment=s.assignments.get(role="co"), unit=third_unit)
    assert visible(flow.co_clerk) == set()


def test_office_sees_all_but_drafts_other_staff_and_citizens_are_refused(
    flow, other_staff, citizen_user, admin_user
):
    a = flow.to(State.SUBMITTED)
    flow.draft(title="关于村卫生室建设的建议")
    assert visible(flow.office) == {a.pk}
    for user in (other_staff, citizen_user, admin_user):
        with pytest.raises(PermissionDenied):
            selectors.suggestions_visible_to(actor=user)


def test_office_is_recognised_by_organisation_code_setting(flow, other_staff, settings):
    settings.RENDA_SUGGESTIONS = {
        "OFFICE_ORGANISATION_CODES": (other_staff.organisation.code,),
        "OFFICE_NAME_WORDS": (),
    }
    flow.to(State.SUBMITTED)
    assert selectors.suggestions_visible_to(actor=other_staff).count() == 1
    with pytest.raises(PermissionDenied):
        selectors.suggestions_visible_to(actor=flow.office)


def test_statistics_are_for_the_office_only(flow, other_staff):
    selectors.suggestion_statistics(actor=flow.office)
    for user in (flow.deputy.user, flow.lead_clerk, other_staff):
        with pytest.raises(PermissionDenied):
            selectors.suggestion_statistics(actor=user)


def _refusals():
    """(name, state to reach, call(flow, s, extra) that must be refused, the permission)."""
    return [
        (
            "create-by-citizen",
            None,
            lambda f, s, x: services.suggestion_create(
                actor=x["citizen"], title="t", content=CONTENT, category=f.category
            ),
            "suggestions.create",
        ),
        (
            "create-by-staff",
            None,
            lambda f, s, x: services.suggestion_create(
                actor=f.office, title="t", content=CONTENT, category=f.category
            ),
            "suggestions.create",
        ),
        (
            "edit-by-cosigner",
            State.DRAFT,
            lambda f, s, x: services.suggestion_update(
                actor=f.cosigner.user, suggestion=s, title="t", content=CONTENT, category=f.category
            ),
            "suggestions.edit",
        ),
        (
            "submit-by-cosigner",
            State.DRAFT,
            lambda f, s, x: services.suggestion_submit(actor=f.cosigner.user, suggestion=s),
            "suggestions.submit",
        ),
        (
            "submit-by-office",
            State.DRAFT,
            lambda f, s, x: services.suggestion_submit(actor=f.office, suggestion=s),
            "suggestions.submit",
        ),
        (
            "cosign-uninvited",
            State.DRAFT,
            lambda f, s, x: services.suggestion_cosign(actor=x["other_deputy"].user, suggestion=s),
            "suggestions.cosign",
        ),
        (
            "register-by-deputy",
            State.SUBMITTED,
            lambda f, s, x: services.suggestion_register(actor=f.deputy.user, suggestion=s),
            "suggestions.review",
        ),
        (
            "register-by-other-staff",
            State.SUBMITTED,
            lambda f, s, x: services.suggestion_register(actor=x["other_staff"], suggestion=s),
            "suggestions.review",
        ),
        (
            "return-by-unit",
            State.SUBMITTED,
            lambda f, s, x: services.suggestion_return(actor=f.lead_clerk, suggestion=s, reason="r"),
            "suggestions.review",
        ),
        (
            "convert-by-deputy",
            State.SUBMITTED,
            lambda f, s, x: services.suggestion_convert(actor=f.deputy.user, suggestion=s, reason="r"),
            "suggestions.review",
        ),
        (
            "assign-by-unit",
            State.REGISTERED,
            lambda f, s, x: services.suggestion_assign(actor=f.lead_clerk, suggestion=s, lead=f.lead_unit),
            "suggestions.assign",
        ),
        (
            "accept-by-other-unit",
            State.ASSIGNED,
            lambda f, s, x: services.assignment_accept(
                actor=x["other_clerk"], assignment=s.assignments.get(role="lead")
            ),
            "suggestions.accept",
        ),
        (
            "accept-by-deputy",
            State.ASSIGNED,
            lambda f, s, x: services.assignment_accept(
                actor=f.deputy.user, assignment=s.assignments.get(role="lead")
            ),
            "suggestions.accept",
        ),
        (
            "release-by-co-for-lead",
            State.ASSIGNED,
            lambda f, s, x: services.assignment_request_release(
                actor=f.co_clerk, assignment=s.assignments.get(role="lead"), reason="r"
            ),
            "suggestions.request_release",
        ),
        (
            "reassign-by-unit",
            State.ASSIGNED,
            lambda f, s, x: services.assignment_reassign(
                actor=f.lead_clerk, assignment=s.assignments.get(role="co"), unit=x["third_unit"]
            ),
            "suggestions.assign",
        ),
        (
            "opinion-by-lead-for-co",
            State.IN_PROGRESS,
            lambda f, s, x: services.assignment_send_opinion(
                actor=f.lead_clerk, assignment=s.assignments.get(role="co"), text="t"
            ),
            "suggestions.send_opinion",
        ),
        (
            "contact-by-other-unit",
            State.IN_PROGRESS,
            lambda f, s, x: services.contact_record(
                actor=x["other_clerk"], suggestion=s, date=dt.date.today(), way="phone", summary="s"
            ),
            "suggestions.record_contact",
        ),
        (
            "extension-by-co-unit",
            State.IN_PROGRESS,
            lambda f, s, x: services.extension_request(actor=f.co_clerk, suggestion=s, months=1, reason="r"),
            "suggestions.request_extension",
        ),
        (
            "reply-by-co-unit",
            State.IN_PROGRESS,
            lambda f, s, x: services.suggestion_reply(
                actor=f.co_clerk, suggestion=s, reply_class="A", text="t"
            ),
            "suggestions.reply",
        ),
        (
            "reply-by-office",
            State.IN_PROGRESS,
            lambda f, s, x: services.suggestion_reply(
                actor=f.office, suggestion=s, reply_class="A", text="t"
            ),
            "suggestions.reply",
        ),
        (
            "chase-by-deputy",
            State.IN_PROGRESS,
            lambda f, s, x: services.suggestion_chase(actor=f.deputy.user, suggestion=s, note="n"),
            "suggestions.supervise",
        ),
        (
            "key-by-other-staff",
            State.IN_PROGRESS,
            lambda f, s, x: services.suggestion_mark_key(actor=x["other_staff"], suggestion=s, leader="l"),
            "suggestions.supervise",
        ),
        (
            "rate-by-unit",
            State.REPLIED,
            lambda f, s, x: services.suggestion_rate(
                actor=f.lead_clerk, suggestion=s, result="satisfied", attitude=5
            ),
            "suggestions.rate",
        ),
        (
            "publish-by-unit",
            State.CLOSED,
            lambda f, s, x: services.suggestion_publish(actor=f.lead_clerk, suggestion=s, summary="s"),
            "suggestions.publish",
        ),
        (
            "unpublish-by-deputy",
            State.CLOSED,
            lambda f, s, x: services.suggestion_unpublish(actor=f.deputy.user, suggestion=s),
            "suggestions.publish",
        ),
        (
            "category-by-deputy",
            None,
            lambda f, s, x: services.category_create(actor=f.deputy.user, name="新类别"),
            "suggestions.manage_categories",
        ),
    ]


REFUSALS = _refusals()


@pytest.mark.parametrize(("name", "state", "call", "perm"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_service_refuses_the_wrong_actor_and_audits_it(
    flow, name, state, call, perm, citizen_user, other_deputy, other_staff, other_clerk, third_unit
):
    s = flow.to(state) if state else None
    extra = {
        "citizen": citizen_user,
        "other_deputy": other_deputy,
        "other_staff": other_staff,
        "other_clerk": other_clerk,
        "third_unit": third_unit,
    }
    before = (Suggestion.objects.count(), s and flow.refresh(s).state)
    with pytest.raises(PermissionDenied):
        call(flow, s, extra)
    assert AuditEvent.objects.filter(action=perm, outcome=AuditEvent.Outcome.REFUSED).exists()
    assert (Suggestion.objects.count(), s and flow.refresh(s).state) == before


def test_extension_decision_and_fulfilment_refuse_units_and_deputies(flow):
    s = flow.to(State.IN_PROGRESS)
    request = services.extension_request(actor=flow.lead_clerk, suggestion=s, months=1, reason="需要时间")
    with pytest.raises(PermissionDenied):
        services.extension_decide(actor=flow.lead_clerk, extension=request, approve=True)
    assert AuditEvent.objects.filter(action="suggestions.decide_extension", outcome="refused").exists()
    services.suggestion_reply(
        actor=flow.lead_clerk,
        suggestion=s,
        reply_class="C",
        text="列入计划",
        commitments=[services.CommitmentIn("明年实施", dt.date.today() + dt.timedelta(days=200))],
    )
    commitment = s.commitments.get()
    for intruder in (flow.co_clerk, flow.deputy.user):
        with pytest.raises(PermissionDenied):
            services.commitment_fulfil(actor=intruder, commitment=commitment, note="完成")
    assert AuditEvent.objects.filter(action="suggestions.fulfil_commitment", outcome="refused").count() == 2


def test_a_deputy_without_a_deputy_record_cannot_create(make_user, category):
    user = make_user(Role.DEPUTY)
    with pytest.raises(PermissionDenied):
        services.suggestion_create(actor=user, title="t", content=CONTENT, category=category)
