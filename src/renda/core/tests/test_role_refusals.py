"""For each role, something it must not do is refused, leaves nothing behind, and is audited as refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from renda.accounts import services as accounts
from renda.accounts.models import ApiToken, Organisation, Region, Role, User
from renda.core import services as core
from renda.core.models import AuditEvent, CalendarDay

pytestmark = pytest.mark.django_db


def forbidden_act(role: str, actor: User, make_user, county: Region):
    """The act each role must not perform, and a check that it left nothing behind."""
    if role == Role.ADMIN:  # tokens are for machine clients; people sign in with a password and 2FA
        deputy = make_user(Role.DEPUTY)
        return (
            lambda: accounts.api_token_issue(actor=actor, user=deputy, name="shortcut"),
            lambda: not ApiToken.objects.exists(),
        )
    if role == Role.STAFF:  # only administrators create accounts
        return (
            lambda: accounts.user_create(actor=actor, username="intruder", real_name="某某", role=Role.ADMIN),
            lambda: not User.objects.filter(username="intruder").exists(),
        )
    if role == Role.DEPUTY:  # only administrators keep the working-day calendar
        day = dt.date(2027, 3, 1)
        return (
            lambda: core.calendar_day_set(actor=actor, date=day, kind=CalendarDay.Kind.HOLIDAY, name="x"),
            lambda: not CalendarDay.objects.filter(date=day).exists(),
        )
    if role == Role.UNIT_HANDLER:  # a unit cannot change the organisation chart
        return (
            lambda: accounts.organisation_create(
                actor=actor, code="X1", name="新部门", kind=Organisation.Kind.DEPARTMENT, region=county
            ),
            lambda: not Organisation.objects.filter(code="X1").exists(),
        )
    if role == Role.FINANCE_FEED:  # the data interface has no password to change
        return (
            lambda: accounts.password_change(
                actor=actor, old_password="Renda-test-2026", new_password="Another-pass-2027"
            ),
            lambda: actor.__class__.objects.get(pk=actor.pk).check_password("Renda-test-2026"),
        )
    if role == Role.CITIZEN:  # citizens cannot read the audit trail nor change regions
        return (
            lambda: accounts.region_create(actor=actor, code="610999999", name="新镇", parent=county),
            lambda: not Region.objects.filter(code="610999999").exists(),
        )
    raise AssertionError(role)


@pytest.mark.parametrize("role", Role.values)
def test_each_role_is_refused_what_it_must_not_do(role, make_user, county):
    actor = make_user(role)
    act, nothing_changed = forbidden_act(role, actor, make_user, county)
    with pytest.raises(PermissionDenied):
        act()
    assert nothing_changed()
    refused = AuditEvent.objects.filter(outcome=AuditEvent.Outcome.REFUSED)
    assert refused.count() == 1
    assert refused.get().actor == actor


def test_inactive_users_hold_no_permission(make_user):
    admin = make_user(Role.ADMIN, is_active=False)
    with pytest.raises(PermissionDenied):
        accounts.user_create(actor=admin, username="x1", real_name="某", role=Role.CITIZEN)
