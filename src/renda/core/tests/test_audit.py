"""The audit log page, its export, and the audit trail's own guarantees (@service, diff)."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.accounts.models import Role
from renda.core.audit import audit, diff
from renda.core.models import AuditEvent, CalendarDay
from renda.core.permissions import PermissionRefused, require, service
from renda.core.selectors import AuditFilter, audit_events_visible_to
from renda.core.services import audit_log

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIST_URL = "/audit/"
EXPORT_URL = "/audit/export.xlsx"


def at(event: AuditEvent, when: dt.datetime) -> AuditEvent:
    """Move an event to ``when`` (created_at is set on insert; tests may rewrite it)."""
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when)
    event.refresh_from_db()
    return event


@pytest.fixture
def events(admin_user, staff_user, make_organisation):
    """A small trail: two acts of the staff member, one refusal, one act of the administrator."""
    organisation = make_organisation(name="县财政局")
    return {
        "staff_change": at(
            audit(
                staff_user,
                "accounts.user_update",
                staff_user,
                before={"real_name": "张三"},
                after={"real_name": "张三丰"},
            ),
            dt.datetime(2026, 3, 15, 23, 30, tzinfo=SHANGHAI),  # 15:30 UTC, still the 15th in the county
        ),
        "staff_refused": at(
            audit(staff_user, "accounts.manage_users", None, outcome=AuditEvent.Outcome.REFUSED),
            dt.datetime(2026, 3, 16, 0, 30, tzinfo=SHANGHAI),  # 16:30 UTC on the 15th, the 16th in the county
        ),
        "admin_org": at(
            audit(
                admin_user, "accounts.organisation_create", organisation, after={"name": organisation.name}
            ),
            dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI),
        ),
        "calendar": at(
            audit(admin_user, "core.calendar_edit", None, after={"date": "2026-05-01"}),
            dt.datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI),
        ),
    }


@pytest.fixture
def signed_in(client_for):
    """``signed_in(user)``: a client past the second factor, with the sign-in's own audit row removed
    so that the tests count only the events they made."""

    def make(user):
        client = client_for(user)
        AuditEvent.objects.filter(action="accounts.login", actor=user).delete()
        return client

    return make


def ids(queryset) -> set[int]:
    return set(queryset.values_list("id", flat=True))


# --- the selector ----------------------------------------------------------------------------


def test_selector_returns_newest_first_with_actor_joined(admin_user, events):
    rows = list(audit_events_visible_to(actor=admin_user, filters=AuditFilter()))
    assert [e.pk for e in rows] == [
        events["calendar"].pk,
        events["staff_refused"].pk,
        events["staff_change"].pk,
        events["admin_org"].pk,
    ]
    select_related = audit_events_visible_to(actor=admin_user).query.select_related
    assert isinstance(select_related, dict) and "actor" in select_related


def test_selector_filters_by_actor_name_username_and_real_name(admin_user, staff_user, events):
    by_username = AuditFilter(actor=staff_user.username)
    by_real_name = AuditFilter(actor=staff_user.real_name)
    expected = {events["staff_change"].pk, events["staff_refused"].pk}
    assert ids(audit_events_visible_to(actor=admin_user, filters=by_username)) == expected
    assert ids(audit_events_visible_to(actor=admin_user, filters=by_real_name)) == expected


def test_selector_filters_by_action_prefix_outcome_type_and_id(admin_user, events):
    def visible(**kwargs):
        return ids(audit_events_visible_to(actor=admin_user, filters=AuditFilter(**kwargs)))

    assert visible(action="accounts.") == {
        events["staff_change"].pk,
        events["staff_refused"].pk,
        events["admin_org"].pk,
    }
    assert visible(action="core.") == {events["calendar"].pk}
    assert visible(outcome="refused") == {events["staff_refused"].pk}
    assert visible(object_type="accounts.organisation") == {events["admin_org"].pk}
    assert visible(object_type="accounts.organisation", object_id=events["admin_org"].object_id) == {
        events["admin_org"].pk
    }
    assert visible(object_id="no-such-id") == set()


def test_selector_dates_are_county_days(admin_user, events):
    """23:30 on 15 March in Shanghai is 15 March, though it is 15:30 UTC; 00:30 on the 16th is the 16th."""
    the_15th = AuditFilter(date_from=dt.date(2026, 3, 15), date_to=dt.date(2026, 3, 15))
    the_16th = AuditFilter(date_from=dt.date(2026, 3, 16), date_to=dt.date(2026, 3, 16))
    assert ids(audit_events_visible_to(actor=admin_user, filters=the_15th)) == {events["staff_change"].pk}
    assert ids(audit_events_visible_to(actor=admin_user, filters=the_16th)) == {events["staff_refused"].pk}
    from_the_16th = AuditFilter(date_from=dt.date(2026, 3, 16))
    assert ids(audit_events_visible_to(actor=admin_user, filters=from_the_16th)) == {
        events["staff_refused"].pk,
        events["calendar"].pk,
    }


def test_selector_survives_the_ends_of_the_calendar(admin_user, events):
    extremes = AuditFilter(date_from=dt.date.min, date_to=dt.date.max)
    assert len(ids(audit_events_visible_to(actor=admin_user, filters=extremes))) == 4


@pytest.mark.parametrize(
    "role", [Role.STAFF, Role.DEPUTY, Role.UNIT_HANDLER, Role.CITIZEN, Role.FINANCE_FEED]
)
def test_selector_refuses_everyone_but_administrators(make_user, role):
    with pytest.raises(PermissionDenied):
        audit_events_visible_to(actor=make_user(role), filters=AuditFilter())


# --- the page ------------------------------------------------------------------------------


def test_audit_list_url_name():
    assert reverse("core:audit_list") == LIST_URL
    assert reverse("core:audit_export") == EXPORT_URL


def test_admin_sees_the_events_with_their_changes(signed_in, admin_user, events):
    response = signed_in(admin_user).get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="audit-row"') == 4
    assert "张三 → 张三丰" in html
    assert 'data-testid="outcome-refused"' in html
    assert "2026-03-15 23:30:00" in html  # shown in the county's time
    assert 'data-testid="audit-filters"' in html


def test_page_filters_through_the_query_string(signed_in, admin_user, staff_user, events):
    client = signed_in(admin_user)
    response = client.get(LIST_URL, {"actor": staff_user.real_name, "outcome": "refused"})
    html = response.content.decode()
    assert html.count('data-testid="audit-row"') == 1
    assert "管理用户" in html and "accounts.manage_users" not in html
    response = client.get(LIST_URL, {"date_from": "2026-03-15", "date_to": "2026-03-15"})
    assert response.content.decode().count('data-testid="audit-row"') == 1


def test_export_link_keeps_the_filters(signed_in, admin_user, events):
    response = signed_in(admin_user).get(LIST_URL, {"action": "accounts.", "outcome": "done", "page": "1"})
    html = response.content.decode()
    assert 'href="/audit/export.xlsx?action=accounts.&amp;outcome=done"' in html


def test_htmx_request_gets_only_the_results(signed_in, admin_user, events):
    response = signed_in(admin_user).get(LIST_URL, {"action": "core."}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="audit-results"' in html
    assert html.count('data-testid="audit-row"') == 1


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-02-30"},
        {"date_to": "not-a-date"},
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "2026-03-20", "date_to": "2026-03-01"},
        {"outcome": "maybe"},
    ],
)
def test_invalid_filters_show_a_message_not_an_error(signed_in, admin_user, events, params):
    client = signed_in(admin_user)
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="audit-filter-errors"' in html
    assert 'data-testid="audit-row"' not in html
    assert 'aria-invalid="true"' in html  # the field itself is marked in the full page
    partial = client.get(LIST_URL, params, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert 'data-testid="audit-filter-errors"' in partial.content.decode()


def test_invalid_filters_on_export_lead_back_to_the_page(signed_in, admin_user, events):
    response = signed_in(admin_user).get(EXPORT_URL, {"date_from": "2026-13-01"})
    assert response.status_code == 302
    assert response["Location"].startswith(LIST_URL + "?date_from=2026-13-01")
    assert not AuditEvent.objects.filter(action="core.audit_export").exists()


def test_pages_of_fifty(signed_in, admin_user):
    for n in range(55):
        audit(admin_user, f"test.act{n}")
    client = signed_in(admin_user)
    first = client.get(LIST_URL, {"action": "test."}).content.decode()
    assert first.count('data-testid="audit-row"') == 50
    assert "?action=test.&amp;page=2" in first
    second = client.get(LIST_URL, {"action": "test.", "page": "2"}).content.decode()
    assert second.count('data-testid="audit-row"') == 5
    assert client.get(LIST_URL, {"page": "abc"}).status_code == 200


def test_page_costs_the_same_queries_whatever_the_number_of_events(signed_in, admin_user, staff_user):
    client = signed_in(admin_user)
    audit(
        staff_user, "accounts.user_update", staff_user, before={"phone": "13812345678"}, after={"phone": ""}
    )
    client.get(LIST_URL)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST_URL).status_code == 200
    for n in range(40):
        actor = admin_user if n % 2 else staff_user
        audit(
            actor, "accounts.user_update", staff_user, before={"real_name": f"a{n}"}, after={"real_name": "b"}
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST_URL)
    assert response.content.decode().count('data-testid="audit-row"') == 41
    assert len(many) == len(few)


def test_page_query_budget(signed_in, admin_user, staff_user, django_assert_max_num_queries):
    client = signed_in(admin_user)
    for n in range(60):
        audit(staff_user, "accounts.user_update", staff_user, after={"real_name": f"n{n}"})
    client.get(LIST_URL)
    with django_assert_max_num_queries(11):
        client.get(LIST_URL, {"actor": staff_user.username, "action": "accounts."})


@pytest.mark.parametrize("role", [Role.STAFF, Role.DEPUTY, Role.UNIT_HANDLER, Role.CITIZEN])
@pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
def test_non_administrators_are_refused_and_the_refusal_recorded(signed_in, make_user, role, url):
    user = make_user(role)
    response = signed_in(user).get(url)
    assert response.status_code == 403
    refusal = AuditEvent.objects.get(actor=user)
    assert refusal.outcome == AuditEvent.Outcome.REFUSED
    assert refusal.action == "core.view_audit"
    assert not AuditEvent.objects.filter(action="core.audit_export").exists()


@pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_page_refuses_post(signed_in, admin_user):
    assert signed_in(admin_user).post(LIST_URL).status_code == 405


# --- the export ----------------------------------------------------------------------------


def read_export(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def test_export_holds_the_filtered_events(signed_in, admin_user, staff_user, events):
    client = signed_in(admin_user)
    params = {"actor": staff_user.username}
    response = client.get(EXPORT_URL, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = read_export(response)
    header, data = rows[0], rows[1:]
    expected = audit_events_visible_to(actor=admin_user, filters=AuditFilter(actor=staff_user.username))
    assert len(header) == 11
    assert len(data) == expected.count() == 2
    assert data[0][0] == dt.datetime(2026, 3, 16, 0, 30)  # newest first, county time
    assert data[0][3] == "管理用户"
    assert data[1][8] == "姓名: 张三 → 张三丰"


def test_export_of_everything_and_its_filename(signed_in, admin_user, events):
    response = signed_in(admin_user).get(EXPORT_URL)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    today = dt.datetime.now(SHANGHAI).strftime("%Y%m%d")
    assert unquote(encoded).endswith(f"-{today}.xlsx")
    assert f'filename="audit-log-{today}.xlsx"' in disposition
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert len(read_export(response)) == 1 + 4  # the export's own audit row is not in it


def test_export_is_itself_audited(signed_in, admin_user, events):
    read_export(signed_in(admin_user).get(EXPORT_URL, {"action": "accounts.", "date_from": "2026-03-01"}))
    record = AuditEvent.objects.get(action="core.audit_export")
    assert record.actor == admin_user
    assert record.outcome == AuditEvent.Outcome.DONE
    assert record.changes["rows"] == [None, 3]
    assert record.changes["filters"][1] == {"action": "accounts.", "date_from": "2026-03-01"}
    assert "action=accounts." in record.note


def test_export_keeps_formula_like_text_as_text(signed_in, admin_user):
    audit(admin_user, "test.formula", None, note='=HYPERLINK("http://example.invalid","x")')
    response = signed_in(admin_user).get(EXPORT_URL, {"action": "test."})
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    note = sheet.cell(row=2, column=11)
    assert note.value == '=HYPERLINK("http://example.invalid","x")'
    assert note.data_type == "s"


def test_export_is_capped_with_a_note_row(signed_in, admin_user, monkeypatch):
    monkeypatch.setattr(audit_log, "EXPORT_ROW_CAP", 3)
    for n in range(5):
        audit(admin_user, f"test.act{n}")
    rows = read_export(signed_in(admin_user).get(EXPORT_URL, {"action": "test."}))
    assert len(rows) == 1 + 3 + 1
    assert [row[3] for row in rows[1:4]] == ["test.act4", "test.act3", "test.act2"]
    assert "3" in rows[4][0] and "5" in rows[4][0]
    record = AuditEvent.objects.get(action="core.audit_export")
    assert record.changes["rows"] == [None, 3]
    assert record.changes["matched"] == [None, 5]


# --- the audit trail's guarantees ----------------------------------------------------------


@service
def _inner_admin_only(*, actor) -> None:
    require(actor, "core.view_audit")


@service
def _outer_does_work_then_calls_inner(*, actor, day: dt.date) -> None:
    require(actor, "core.view_calendar")
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.WORKDAY, name="test")
    audit(actor, "test.outer_work", None)
    _inner_admin_only(actor=actor)


def test_nested_refusal_is_audited_once_and_the_work_rolled_back(staff_user):
    day = dt.date(2031, 7, 7)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        _outer_does_work_then_calls_inner(actor=staff_user, day=day)
    assert not CalendarDay.objects.filter(date=day).exists()
    assert not AuditEvent.objects.filter(action="test.outer_work").exists()
    assert AuditEvent.objects.count() == before + 1
    refusal = AuditEvent.objects.get(actor=staff_user)
    assert refusal.outcome == AuditEvent.Outcome.REFUSED
    assert refusal.action == "core.view_audit"
    assert refusal.note == "_outer_does_work_then_calls_inner"


def test_outer_refusal_is_audited_once(citizen_user, finance_feed_user):
    with pytest.raises(PermissionRefused):
        _outer_does_work_then_calls_inner(actor=finance_feed_user, day=dt.date(2031, 7, 8))
    assert AuditEvent.objects.filter(actor=finance_feed_user, outcome="refused").count() == 1
    assert not CalendarDay.objects.filter(date=dt.date(2031, 7, 8)).exists()


def test_nested_services_that_are_allowed_leave_their_work(admin_user):
    day = dt.date(2031, 7, 9)
    _outer_does_work_then_calls_inner(actor=admin_user, day=day)
    assert CalendarDay.objects.filter(date=day).exists()
    assert AuditEvent.objects.filter(action="test.outer_work", outcome="done").count() == 1
    assert not AuditEvent.objects.filter(outcome="refused").exists()


def test_audit_diff_masks_phone_and_hides_password():
    changes = diff(
        {"phone": "13812345678", "password": "pbkdf2$old", "real_name": "张三"},
        {"phone": "13987654321", "password": "pbkdf2$new", "real_name": "张三"},
    )
    assert changes == {
        "phone": ["138****5678", "139****4321"],
        "password": ["***", "***"],
    }


def test_audit_row_never_holds_the_phone_in_clear(admin_user, staff_user, signed_in):
    audit(
        admin_user, "accounts.user_update", staff_user, before={"phone": "13812345678"}, after={"phone": ""}
    )
    html = signed_in(admin_user).get(LIST_URL).content.decode()
    assert "13812345678" not in html
    assert "138****5678" in html


def test_object_types_offered_once_each(admin_user, events, staff_user):
    from renda.core.selectors import audit_object_types

    audit(admin_user, "accounts.user_update", staff_user)
    assert audit_object_types(actor=admin_user) == ["accounts.organisation", "accounts.user"]


def test_actions_show_their_names_in_the_readers_language(client_for, admin_user, staff_user):
    from renda.core.audit import audit as write_audit

    write_audit(staff_user, "accounts.user_unlock", staff_user)
    write_audit(staff_user, "thirdparty.unlabelled_act", staff_user)
    body = client_for(admin_user).get("/audit/").content.decode()
    assert "解锁账户" in body and "accounts.user_unlock" not in body
    assert "thirdparty.unlabelled_act" in body  # no label: the code is all there is


# --- words, not codes (issue 15.7) -------------------------------------------------------------


def test_changes_read_as_labels_names_and_yes_no(signed_in, admin_user, staff_user, make_organisation):
    """A state reads 新建 → 误报 (the field's choices), a foreign key the row's name, a flag 是/否, a
    field its verbose name; the export says the same."""
    from renda.budget.models import Finding

    state = Finding._meta.get_field("state")
    choices = dict(state.flatchoices)
    first, second = list(choices)[:2]
    finance = make_organisation(name="县财政局")
    education = make_organisation(name="县教育局")
    audit(
        staff_user,
        "accounts.user_update",
        staff_user,
        before={"organisation": finance, "is_active": True},
        after={"organisation": education, "is_active": False},
    )
    event = audit(staff_user, "budget.finding_close", None, before={"state": first}, after={"state": second})
    AuditEvent.objects.filter(pk=event.pk).update(object_type="budget.finding", object_id="1")
    client = signed_in(admin_user)
    html = client.get(LIST_URL).content.decode()
    changes = " ".join(part.split("</ul>")[0] for part in html.split('data-testid="audit-changes"')[1:])
    assert f"{choices[first]} → {choices[second]}" in changes
    assert f"{first} → {second}" not in changes
    assert "县财政局 → 县教育局" in changes and "是 → 否" in changes
    assert "组织" in changes and "organisation" not in changes and "is_active" not in changes
    assert str(Finding._meta.verbose_name) in html
    assert "budget.finding" not in html.split('data-testid="audit-table"')[1]
    export = read_export(client.get(EXPORT_URL))
    assert any(f"{choices[first]} → {choices[second]}" in str(row[8]) for row in export)
    assert any(row[5] == str(Finding._meta.verbose_name) for row in export[1:])


def test_filter_offers_modules_by_name(signed_in, admin_user, events):
    html = signed_in(admin_user).get(LIST_URL).content.decode()
    select = html.split('name="action"')[1].split("</select>")[0]
    for name in ("代表建议办理", "网上家站", "预算联网监督", "用户与组织"):
        assert name in select
    assert '<option value="accounts.">用户与组织</option>' in select
    assert ">accounts.<" not in select and "e.g. accounts." not in html
    chosen = signed_in(admin_user).get(LIST_URL, {"action": "accounts."}).content.decode()
    assert chosen.count('data-testid="audit-row"') == 3
    assert '<option value="accounts." selected>用户与组织</option>' in chosen


def test_the_actor_is_named_with_the_role_not_the_login(signed_in, admin_user, staff_user, events):
    html = signed_in(admin_user).get(LIST_URL, {"actor": staff_user.username}).content.decode()
    table = html.split('data-testid="audit-table"')[1]
    assert f"{staff_user.real_name}（" in table
    assert f">{staff_user.username}<" not in table and f"({staff_user.username})" not in table


def test_long_values_wrap_and_open_in_full(signed_in, admin_user, staff_user):
    long_text = "很长的答复内容。" * 60
    audit(staff_user, "accounts.user_update", staff_user, after={"real_name": long_text})
    html = signed_in(admin_user).get(LIST_URL).content.decode()
    assert 'data-testid="audit-full"' in html and long_text in html
