"""通知设置: each person's channels per kind, quiet hours and digest; the administrator's defaults per
role; the verification of a person's mobile number by a code sent to it (services and reads)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.accounts.models import User
from renda.core.audit import audit
from renda.core.masking import mask_phone
from renda.core.permissions import require, service
from renda.notifications.delivery import ChannelChooser, phone_hash
from renda.notifications.gateways import Message, Permanent, Transient, gateway_for
from renda.notifications.kinds import CHANNELS, INBOX, SMS, Kind, all_kinds
from renda.notifications.models import Preference, RecipientSettings, RoleDefault

CODE_TTL = 600  # seconds a verification code stays valid
CODE_TRIES = 5


def configurable_kinds() -> list[Kind]:
    return [
        k
        for k in all_kinds()
        if not k.name.startswith("system.digest") and not k.name.startswith("test.") and not k.to_phone
    ]


@dataclass(frozen=True)
class KindChoice:
    kind: Kind
    channels: tuple[str, ...]
    digest: bool
    own: bool  # the person chose it (else the role's default or the kind's)


def preferences_of(*, actor: User) -> list[KindChoice]:
    """The actor's effective channels for every kind."""
    require(actor, "notifications.set_preferences")
    chooser = ChannelChooser([actor])
    rows = []
    for kind in configurable_kinds():
        choice = chooser.choice(actor, kind.name)
        own = (actor.pk, kind.name) in chooser.preferences
        rows.append(KindChoice(kind, tuple(choice.channels), choice.digest, own))
    return rows


def settings_of(user: User) -> RecipientSettings:
    return RecipientSettings.objects.filter(user=user).first() or RecipientSettings(user=user)


def _channels(values: Sequence[str]) -> list[str]:
    chosen = [c for c in CHANNELS if c in set(values)]
    return [INBOX, *[c for c in chosen if c != INBOX]]  # the inbox always: no notice is ever lost


@service
def preferences_save(
    *,
    actor: User,
    choices: Mapping[str, tuple[Sequence[str], bool]],
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
) -> int:
    """Save the actor's channels and digest per kind, and their quiet hours."""
    require(actor, "notifications.set_preferences")
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError({"quiet_end": [_("Give both the start and the end of the quiet hours.")]})
    known = {k.name for k in configurable_kinds()}
    saved = 0
    for kind, (channels, digest) in choices.items():
        if kind not in known:
            continue
        Preference.objects.update_or_create(
            user=actor, kind=kind, defaults={"channels": _channels(channels), "digest": bool(digest)}
        )
        saved += 1
    row = settings_of(actor)
    row.quiet_start, row.quiet_end = quiet_start, quiet_end
    row.save()
    audit(actor, "notifications.preferences_save", None, note=f"kinds={saved}")
    return saved


@service
def role_defaults_save(*, actor: User, role: str, choices: Mapping[str, Sequence[str]]) -> int:
    """The administrator's default channels of each kind for everyone of ``role``."""
    require(actor, "notifications.manage_defaults")
    known = {k.name for k in configurable_kinds()}
    saved = 0
    for kind, channels in choices.items():
        if kind in known:
            RoleDefault.objects.update_or_create(
                role=role, kind=kind, defaults={"channels": _channels(channels)}
            )
            saved += 1
    audit(actor, "notifications.role_defaults_save", None, note=f"role={role} kinds={saved}")
    return saved


def role_defaults_of(*, actor: User, role: str) -> dict[str, list[str]]:
    require(actor, "notifications.manage_defaults")
    stored = {d.kind: list(d.channels) for d in RoleDefault.objects.filter(role=role)}
    return {k.name: stored.get(k.name, list(k.channels)) for k in configurable_kinds()}


# --- the mobile number's verification ---------------------------------------------------------------


def _code_key(user: User) -> str:
    return f"renda.phone_code.{user.pk}"


def _code_digest(user: User, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{user.pk}:{user.phone}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def phone_is_verified(user: User) -> bool:
    row = RecipientSettings.objects.filter(user=user).first()
    return bool(user.phone and row and row.phone_verified_hash == phone_hash(user.phone))


@service
def phone_verification_start(*, actor: User) -> str:
    """Send a six-digit code to the actor's mobile number; the masked number it went to."""
    require(actor, "notifications.set_preferences")
    phone = (actor.phone or "").strip()
    if not phone:
        raise ValidationError(_("Your account has no mobile number; ask the administrator to add it."))
    code = f"{secrets.randbelow(10**6):06d}"
    message = Message(
        address=phone,
        kind="system.phone_code",
        kind_label=_("Verification code"),
        text=_("Your verification code is %(code)s (valid for 10 minutes).") % {"code": code},
        link="",
        created_at=timezone.now(),
    )
    try:
        gateway_for(SMS).send(message)
    except (Transient, Permanent) as fault:
        audit(actor, "notifications.phone_code_send", None, note=f"failed {fault.code}")
        raise ValidationError(
            _("The code could not be sent (%(reason)s). Try again later.") % {"reason": fault.code}
        ) from fault
    cache.set(_code_key(actor), {"digest": _code_digest(actor, code), "tries": 0}, CODE_TTL)
    audit(actor, "notifications.phone_code_send", None)
    return mask_phone(phone)


@service
def phone_verification_confirm(*, actor: User, code: str) -> None:
    """Check the code; the number is verified (its hash kept) when it matches."""
    require(actor, "notifications.set_preferences")
    pending = cache.get(_code_key(actor))
    if not pending or pending["tries"] >= CODE_TRIES:
        raise ValidationError({"code": [_("No valid code: send a new one.")]})
    if not hmac.compare_digest(pending["digest"], _code_digest(actor, (code or "").strip())):
        pending["tries"] += 1
        cache.set(_code_key(actor), pending, CODE_TTL)
        raise ValidationError({"code": [_("The code is not right.")]})
    cache.delete(_code_key(actor))
    row = settings_of(actor)
    row.phone_verified_hash, row.phone_verified_at = phone_hash(actor.phone), timezone.now()
    row.save()
    audit(actor, "notifications.phone_verify", None)
