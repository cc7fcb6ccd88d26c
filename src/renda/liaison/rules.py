"""Permission predicates of the liaison module (网上家站).

Who manages a station (站点管理员): committee staff whose organisation is the station's
organisation, and the staff of the office that runs the deputy home (代表之家, in the demo the
代表工作委员会), who oversee every station. A deputy works on what is addressed to them or to a
station they are attached to; a handling unit's clerk on what was referred to their department.
Citizens need no account: the public pages and the public services ask no permission.
"""

from __future__ import annotations

import rules

from renda.accounts.rules import is_admin, is_deputy, is_staff_member, is_unit_handler
from renda.core.roles import Role
from renda.deputies.selectors import seat_ids_of, seat_of


def managed_station_ids(user) -> frozenset[int]:
    """The stations ``user`` manages (cached on the user object for the request)."""
    cached = getattr(user, "_liaison_station_ids", None)
    if cached is not None:
        return cached
    ids: frozenset[int] = frozenset()
    if user is not None and user.is_authenticated and user.role == Role.STAFF and user.organisation_id:
        from django.db.models import Q

        from renda.liaison.models import Station

        oversees_all = Station.objects.filter(
            kind=Station.Kind.HOME, organisation_id=user.organisation_id
        ).exists()
        stations = (
            Station.objects.all()
            if oversees_all
            else Station.objects.filter(Q(organisation_id=user.organisation_id))
        )
        ids = frozenset(stations.values_list("pk", flat=True))
    user._liaison_station_ids = ids
    return ids


def deputy_station_ids(user) -> frozenset[int]:
    cached = getattr(user, "_liaison_deputy_station_ids", None)
    if cached is not None:
        return cached
    from renda.liaison.models import Station

    seat_ids = seat_ids_of(user) if own_deputy(user) is not None else frozenset()
    ids = frozenset(Station.objects.filter(deputies__in=seat_ids).values_list("pk", flat=True).distinct())
    user._liaison_deputy_station_ids = ids
    return ids


def own_deputy(user):
    if user is None or not user.is_authenticated or user.role != Role.DEPUTY:
        return None
    return seat_of(user)


def _station_id(obj) -> int | None:
    from renda.liaison.models import Appointment, Opinion, ReceptionDay, Station

    if isinstance(obj, Station):
        return obj.pk
    if isinstance(obj, ReceptionDay | Opinion):
        return obj.station_id
    if isinstance(obj, Appointment):
        return obj.reception_day.station_id
    return None


@rules.predicate
def manages_station(user, obj) -> bool:
    ids = managed_station_ids(user)
    if obj is None:
        return bool(ids)
    return _station_id(obj) in ids


@rules.predicate
def is_deputy_of_opinion(user, opinion) -> bool:
    deputy = own_deputy(user)
    if deputy is None:
        return False
    if opinion is None:
        return True
    return opinion.deputy_id in seat_ids_of(user) or opinion.station_id in deputy_station_ids(user)


@rules.predicate
def is_department_of_opinion(user, opinion) -> bool:
    if opinion is None:
        return bool(user.organisation_id)
    return bool(opinion.department_id) and opinion.department_id == user.organisation_id


@rules.predicate
def is_referred(user, opinion) -> bool:
    return opinion is not None and bool(opinion.department_id)


@rules.predicate
def has_deputy_record(user) -> bool:
    return own_deputy(user) is not None


station_manager = is_staff_member & manages_station
opinion_deputy = is_deputy & is_deputy_of_opinion
opinion_department = is_unit_handler & is_department_of_opinion

# The module's work pages (inbox, queues) and the menu entry.
rules.add_perm("liaison.view_work", station_manager | (is_deputy & has_deputy_record) | is_unit_handler)
# Stations and reception days.
rules.add_perm("liaison.manage_station", station_manager)
rules.add_perm("liaison.schedule_reception", station_manager)
rules.add_perm("liaison.handle_appointment", station_manager)
# Opinions: who sees one, and who takes each step.
rules.add_perm("liaison.view_opinion", station_manager | opinion_deputy | opinion_department)
rules.add_perm("liaison.view_phone", station_manager | opinion_deputy | opinion_department)
rules.add_perm("liaison.accept_opinion", station_manager | opinion_deputy)
rules.add_perm("liaison.reject_opinion", station_manager)
rules.add_perm("liaison.merge_opinion", station_manager)
rules.add_perm("liaison.refer_opinion", station_manager)
rules.add_perm("liaison.handle_directly", station_manager | opinion_deputy)
rules.add_perm("liaison.start_opinion", opinion_department)
rules.add_perm(
    "liaison.answer_opinion",
    (is_referred & opinion_department) | (~is_referred & (station_manager | opinion_deputy)),
)
rules.add_perm("liaison.close_opinion", station_manager)
rules.add_perm("liaison.moderate_opinion", station_manager)
# Reminders are sent by the scheduled task or, by hand, by the staff and administrators.
rules.add_perm("liaison.send_reminders", is_admin | station_manager)
