"""代表名册的写操作: accounts for deputies, created from the roster by the deputy affairs office."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from renda.accounts.models import User
from renda.accounts.services import generate_password
from renda.core.audit import audit
from renda.core.audit_labels import label_actions
from renda.core.permissions import require, service
from renda.core.roles import Role
from renda.deputies.models import Deputy, Person
from renda.deputies.selectors.seats import forget_seat

ACCOUNTS_AT_ONCE = 300  # a county's whole roster fits; more is a mistake


@dataclass(frozen=True)
class AccountSlip:
    """开户单: what the deputy needs to sign in the first time. The password is shown once."""

    person: Person
    seat: Deputy
    username: str
    password: str  # empty when the person already had an account (nothing new to hand out)
    created: bool


def _username_for(seat: Deputy, taken: set[str]) -> str:
    """``db`` and the seat's number (代表证号), made unique: the deputy can read it off their card."""
    base = "db" + re.sub(r"[^0-9A-Za-z]", "", seat.number).lower()
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


@service
def deputy_accounts_create(*, actor: User, seats: Sequence[Deputy]) -> list[AccountSlip]:
    """为代表开户: one account per person who has none, linked to the person; initial passwords once.

    Each new account must change its password at the first sign-in. A person who already has an
    account keeps it (their slip says so, with no password).
    """
    require(actor, "deputies.manage_accounts")
    if not seats:
        raise ValidationError(_("Choose at least one deputy."))
    if len(seats) > ACCOUNTS_AT_ONCE:
        raise ValidationError(
            _("Create at most %(n)s accounts at once; filter by group.") % {"n": ACCOUNTS_AT_ONCE}
        )
    ids = [s.pk for s in seats]
    locked = {
        d.pk: d for d in Deputy.objects.select_related("person__user", "term", "group").filter(pk__in=ids)
    }
    people = {d.person_id for d in locked.values()}
    Person.objects.select_for_update().filter(pk__in=people).exists()
    bases = ["db" + re.sub(r"[^0-9A-Za-z]", "", d.number).lower() for d in locked.values()]
    q = Q()
    for b in bases:
        q |= Q(username__istartswith=b)
    taken = {u.lower() for u in User.objects.filter(q).values_list("username", flat=True)} if bases else set()
    slips: list[AccountSlip] = []
    seen: set[int] = set()
    for pk in ids:
        seat = locked.get(pk)
        if seat is None or seat.person_id in seen:
            continue
        seen.add(seat.person_id)
        person = seat.person
        if person.user is not None:
            slips.append(AccountSlip(person, seat, person.user.username, "", False))
            continue
        password = generate_password()
        user = User(
            username=_username_for(seat, taken),
            real_name=person.name,
            phone=person.phone,
            role=Role.DEPUTY,
            must_change_password=True,
            is_active=True,
        )
        user.set_password(password)
        user.save()
        person.user = user
        person.save(update_fields=["user"])
        forget_seat(user)
        audit(
            actor,
            "deputies.account_create",
            person,
            after={"user": user.username, "seat": seat.pk, "must_change_password": True},
        )
        slips.append(AccountSlip(person, seat, user.username, password, True))
    return slips


label_actions(
    {
        "deputies.account_create": _lazy("Create a deputy's account"),
        "deputies.manage_accounts": _lazy("Create deputies' accounts"),
    }
)
