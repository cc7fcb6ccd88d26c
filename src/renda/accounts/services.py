"""Every write on users and sign-in (账户服务). Views call these; nothing else writes."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts.models import ApiToken, Organisation, Region, Role, User
from renda.accounts.selectors import account_is_locked, failed_attempt_count
from renda.core.audit import audit, snapshot
from renda.core.params import LATEST_DATE
from renda.core.permissions import PermissionRefused, require, service


@service
def password_change(*, actor: User, old_password: str, new_password: str) -> User:
    """修改密码: the signed-in person changes their own password, under the password policy."""
    require(actor, "accounts.change_own_password")
    if not actor.check_password(old_password):
        raise ValidationError(_("Your old password was entered incorrectly."), code="password_incorrect")
    validate_password(new_password, actor)
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.save(update_fields=["password", "must_change_password"])
    audit(actor, "accounts.password_change", actor)
    return actor


def has_confirmed_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@service
def totp_device_start(*, actor: User) -> TOTPDevice:
    """开始绑定验证器: create (or reuse) the unconfirmed TOTP device whose secret the person scans.

    Someone who already has an authenticator must have passed it in this session (``is_verified``)
    before a new secret is even shown: the password alone never reaches the enrolment.
    """
    require(actor, "accounts.enrol_second_factor")
    if has_confirmed_authenticator(actor) and not _passed_second_factor(actor):
        raise PermissionRefused(
            actor, "accounts.enrol_second_factor", actor, _("Verify your current authenticator first.")
        )
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=_("Authenticator app"), confirmed=False)
    return device


class EnrolOutcome(models.TextChoices):
    CONFIRMED = "confirmed"
    WRONG_CODE = "wrong_code"
    WRONG_CURRENT_CODE = "wrong_current_code"


@service
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str, current_token: str = "") -> str:
    """确认绑定验证器: the first correct code confirms the device and replaces any older one.

    While the person has a confirmed authenticator, replacing it also takes a current code of that
    one (a lost phone goes through an administrator's reset, which is audited). Wrong codes are
    returned, not raised, so that the devices' throttling counters are kept.
    """
    require(actor, "accounts.enrol_second_factor")
    if device.user_id != actor.pk or device.confirmed:
        raise ValidationError(_("This authenticator is not waiting for confirmation."))
    current = list(TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True))
    if current and not (_passed_second_factor(actor) and any(d.verify_token(current_token) for d in current)):
        audit(actor, "accounts.second_factor_enrol", actor, outcome="refused", note="current code wrong")
        return EnrolOutcome.WRONG_CURRENT_CODE
    if not device.verify_token(token):
        audit(actor, "accounts.second_factor_enrol", actor, outcome="refused", note="wrong code")
        return EnrolOutcome.WRONG_CODE
    TOTPDevice.objects.filter(pk__in=[d.pk for d in current]).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit(actor, "accounts.second_factor_enrol", actor, before={"second_factor_devices": len(current)})
    return EnrolOutcome.CONFIRMED


def _passed_second_factor(actor: User) -> bool:
    """Has ``actor`` (a request's user, marked by django-otp's middleware) passed a device this session?"""
    is_verified = getattr(actor, "is_verified", None)
    return bool(is_verified and is_verified())


def api_token_authenticate(*, raw: str) -> User | None:
    """The active user behind an API token, or None; records when the token was last used."""
    from django.utils import timezone

    from renda.accounts.models import ApiToken

    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= timezone.now()):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


# --- administration: users, organisations, regions, API tokens (系统管理) -----------------------

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")

# Which kinds of organisation a role may belong to; a role listed here must have one.
ROLE_ORGANISATION_KINDS: dict[str, frozenset[str]] = {
    Role.STAFF: frozenset({Organisation.Kind.CONGRESS}),
    Role.UNIT_HANDLER: frozenset(
        {Organisation.Kind.DEPARTMENT, Organisation.Kind.TOWNSHIP, Organisation.Kind.FINANCE}
    ),
    Role.FINANCE_FEED: frozenset({Organisation.Kind.FINANCE}),
}

# Administrative code length of each region level (县 6, 镇 9, 村 12 digits).
REGION_CODE_LENGTHS: dict[str, int] = {
    Region.Level.COUNTY: 6,
    Region.Level.TOWN: 9,
    Region.Level.VILLAGE: 12,
}
_CHILD_LEVEL: dict[str | None, str | None] = {
    None: Region.Level.COUNTY,
    Region.Level.COUNTY: Region.Level.TOWN,
    Region.Level.TOWN: Region.Level.VILLAGE,
    Region.Level.VILLAGE: None,
}

USER_ADMIN_FIELDS = ("real_name", "phone", "role", "organisation", "is_active")
ORGANISATION_FIELDS = ("code", "name", "short_name", "kind", "parent", "region", "is_active")
REGION_FIELDS = ("code", "name", "level", "parent")

# No 0/O, 1/l/I: the administrator may have to read the password out to the person.
_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def generate_password(length: int = 14) -> str:
    """A random initial password that satisfies the password policy (letters and digits)."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(length))
        if (
            any(c.isupper() for c in candidate)
            and any(c.islower() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            try:
                validate_password(candidate)
            except ValidationError:
                continue
            return candidate


def _validate_user_fields(
    *, user: User | None, phone: str, role: str, organisation: Organisation | None
) -> None:
    errors: dict[str, list[str]] = {}
    if phone and not PHONE_RE.match(phone):
        errors.setdefault("phone", []).append(
            _("Enter a mainland mobile number of 11 digits starting with 13–19.")
        )
    if role not in Role.values:
        errors.setdefault("role", []).append(_("Choose a valid role."))
    kinds = ROLE_ORGANISATION_KINDS.get(role)
    if kinds is not None and organisation is None:
        errors.setdefault("organisation", []).append(_("This role needs an organisation."))
    elif kinds is not None and organisation is not None and organisation.kind not in kinds:
        allowed = pgettext("list separator", ", ").join(
            str(Organisation.Kind(k).label) for k in sorted(kinds)
        )
        errors.setdefault("organisation", []).append(
            _("A %(role)s must belong to an organisation of this kind: %(kinds)s.")
            % {"role": Role(role).label, "kinds": allowed}
        )
    if (
        organisation is not None
        and not organisation.is_active
        and (user is None or user.organisation_id != organisation.pk)
    ):
        errors.setdefault("organisation", []).append(_("This organisation is no longer active."))
    if errors:
        raise ValidationError(errors)


@service
def user_create(
    *,
    actor: User,
    username: str,
    real_name: str,
    phone: str = "",
    role: str,
    organisation: Organisation | None = None,
) -> tuple[User, str]:
    """新建用户: returns the user and the generated initial password, to be shown once.

    The person must change the password at the next sign-in.
    """
    require(actor, "accounts.manage_users")
    username, phone = username.strip(), phone.strip()
    errors: dict[str, list[str]] = {}
    try:
        User.username_validator(username)
    except ValidationError as exc:
        errors["username"] = list(exc.messages)
    if not username:
        errors["username"] = [_("Enter a user name.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("A user with this user name already exists.")]
    try:
        _validate_user_fields(user=None, phone=phone, role=role, organisation=organisation)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    raw_password = generate_password()
    user = User(
        username=username,
        real_name=real_name.strip(),
        phone=phone,
        role=role,
        organisation=organisation,
        must_change_password=True,
        is_active=True,
    )
    user.set_password(raw_password)
    user.save()
    audit(
        actor,
        "accounts.user_create",
        user,
        after={"username": username, **snapshot(user, USER_ADMIN_FIELDS), "must_change_password": True},
    )
    return user, raw_password


@service
def user_update(
    *,
    actor: User,
    user: User,
    real_name: str,
    phone: str,
    role: str,
    organisation: Organisation | None,
    is_active: bool,
) -> User:
    """修改用户: name, phone, role, organisation and whether the account is active."""
    require(actor, "accounts.manage_users", user)
    phone = phone.strip()
    if user.pk == actor.pk and not is_active:
        raise ValidationError({"is_active": [_("You cannot deactivate your own account.")]})
    if user.pk == actor.pk and role != Role.ADMIN:
        raise ValidationError({"role": [_("You cannot remove your own administrator role.")]})
    _validate_user_fields(user=user, phone=phone, role=role, organisation=organisation)
    before = snapshot(user, USER_ADMIN_FIELDS)
    user.real_name = real_name.strip()
    user.phone = phone
    user.role = role
    user.organisation = organisation
    user.is_active = is_active
    user.save(update_fields=["real_name", "phone", "role", "organisation", "is_active"])
    audit(actor, "accounts.user_update", user, before=before, after=snapshot(user, USER_ADMIN_FIELDS))
    return user


@service
def user_password_reset(*, actor: User, user: User) -> str:
    """重置密码: a new generated password, shown once; the person must change it at next sign-in."""
    require(actor, "accounts.manage_users", user)
    before = snapshot(user, ("password", "must_change_password"))
    raw_password = generate_password()
    user.set_password(raw_password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit(
        actor,
        "accounts.user_password_reset",
        user,
        before=before,
        after=snapshot(user, ("password", "must_change_password")),
    )
    return raw_password


@service
def user_unlock(*, actor: User, user: User) -> int:
    """解锁账户: forget the failed sign-in attempts that locked the account; returns how many."""
    from axes.utils import reset

    require(actor, "accounts.manage_users", user)
    before = {
        "locked": account_is_locked(user.username),
        "failed_attempts": failed_attempt_count(user.username),
    }
    removed = reset(username=user.username)
    audit(
        actor,
        "accounts.user_unlock",
        user,
        before=before,
        after={"locked": False, "failed_attempts": 0},
        note=f"attempts removed: {removed}",
    )
    return removed


@service
def user_second_factor_reset(*, actor: User, user: User) -> int:
    """重置二次验证: delete the person's authenticators so they enrol again; returns how many."""
    require(actor, "accounts.manage_users", user)
    devices = TOTPDevice.objects.filter(user=user)
    before = {"second_factor_devices": devices.count()}
    removed, _detail = devices.delete()
    audit(actor, "accounts.user_second_factor_reset", user, before=before, after={"second_factor_devices": 0})
    return removed


def _validate_organisation(
    *,
    organisation: Organisation | None,
    code: str,
    name: str,
    kind: str,
    parent: Organisation | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("Enter a code.")]
    elif (
        Organisation.objects.filter(code=code)
        .exclude(pk__in=[organisation.pk] if organisation is not None else [])
        .exists()
    ):
        errors["code"] = [_("Another organisation already has this code.")]
    if not name:
        errors["name"] = [_("Enter a name.")]
    if kind not in Organisation.Kind.values:
        errors["kind"] = [_("Choose a valid kind.")]
    if parent is not None and organisation is not None and organisation.pk is not None:
        node: Organisation | None = parent
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            if node.pk == organisation.pk:
                errors["parent"] = [
                    _("An organisation cannot be placed under itself or one of its own units.")
                ]
                break
            seen.add(node.pk)
            node = node.parent
    if organisation is not None and organisation.pk is not None and kind != organisation.kind:
        misfits = [
            role
            for role, kinds in ROLE_ORGANISATION_KINDS.items()
            if kind not in kinds and organisation.members.filter(role=role, is_active=True).exists()
        ]
        if misfits:
            errors.setdefault("kind", []).append(
                _("Active users of this organisation (%(roles)s) need its present kind.")
                % {"roles": pgettext("list separator", ", ").join(str(Role(r).label) for r in misfits)}
            )
    if errors:
        raise ValidationError(errors)


@service
def organisation_create(
    *,
    actor: User,
    code: str,
    name: str,
    short_name: str = "",
    kind: str,
    parent: Organisation | None = None,
    region: Region,
    is_active: bool = True,
) -> Organisation:
    """新建组织机构."""
    require(actor, "accounts.manage_organisations")
    code, name = code.strip(), name.strip()
    _validate_organisation(organisation=None, code=code, name=name, kind=kind, parent=parent)
    organisation = Organisation.objects.create(
        code=code,
        name=name,
        short_name=short_name.strip(),
        kind=kind,
        parent=parent,
        region=region,
        is_active=is_active,
    )
    audit(
        actor, "accounts.organisation_create", organisation, after=snapshot(organisation, ORGANISATION_FIELDS)
    )
    return organisation


@service
def organisation_update(
    *,
    actor: User,
    organisation: Organisation,
    code: str,
    name: str,
    short_name: str = "",
    kind: str,
    parent: Organisation | None = None,
    region: Region,
    is_active: bool = True,
) -> Organisation:
    """修改组织机构: the parent may not be the organisation itself or one of its own units."""
    require(actor, "accounts.manage_organisations", organisation)
    code, name = code.strip(), name.strip()
    _validate_organisation(organisation=organisation, code=code, name=name, kind=kind, parent=parent)
    before = snapshot(organisation, ORGANISATION_FIELDS)
    organisation.code, organisation.name, organisation.short_name = code, name, short_name.strip()
    organisation.kind, organisation.parent, organisation.region = kind, parent, region
    organisation.is_active = is_active
    organisation.save()
    audit(
        actor,
        "accounts.organisation_update",
        organisation,
        before=before,
        after=snapshot(organisation, ORGANISATION_FIELDS),
    )
    return organisation


def _validate_region(*, region: Region | None, code: str, name: str, parent: Region | None) -> str:
    """Check a region's code against its parent; return the level that follows from the parent."""
    errors: dict[str, list[str]] = {}
    level = _CHILD_LEVEL[parent.level if parent is not None else None]
    if level is None:
        raise ValidationError({"parent": [_("A village cannot have subordinate regions.")]})
    if parent is not None and region is not None and region.pk is not None:
        node: Region | None = parent
        while node is not None:
            if node.pk == region.pk:
                raise ValidationError(
                    {"parent": [_("A region cannot be placed under itself or one of its own subdivisions.")]}
                )
            node = node.parent
    length = REGION_CODE_LENGTHS[level]
    if not (code.isascii() and code.isdigit() and len(code) == length):
        errors["code"] = [
            _("The code of a %(level)s has %(n)s digits.") % {"level": Region.Level(level).label, "n": length}
        ]
    elif parent is not None and not code.startswith(parent.code):
        errors["code"] = [
            _("The code must start with the code of %(parent)s (%(code)s).")
            % {"parent": parent.name, "code": parent.code}
        ]
    elif Region.objects.filter(code=code).exclude(pk__in=[region.pk] if region is not None else []).exists():
        errors["code"] = [_("Another region already has this code.")]
    if not name:
        errors["name"] = [_("Enter a name.")]
    if region is not None and region.pk is not None and "code" not in errors:
        children = region.children.all()
        if children.exists() and level != region.level:
            errors["parent"] = [_("A region with subdivisions cannot change its level.")]
        elif any(not child.code.startswith(code) for child in children):
            errors["code"] = [_("The codes of the subdivisions must keep starting with this code.")]
    if errors:
        raise ValidationError(errors)
    return level


@service
def region_create(*, actor: User, code: str, name: str, parent: Region | None = None) -> Region:
    """新建行政区划: the level follows the parent (县 → 镇 → 村) and the code extends the parent's."""
    require(actor, "accounts.manage_regions")
    code, name = code.strip(), name.strip()
    level = _validate_region(region=None, code=code, name=name, parent=parent)
    region = Region.objects.create(code=code, name=name, level=level, parent=parent)
    audit(actor, "accounts.region_create", region, after=snapshot(region, REGION_FIELDS))
    return region


@service
def region_update(
    *, actor: User, region: Region, code: str, name: str, parent: Region | None = None
) -> Region:
    """修改行政区划."""
    require(actor, "accounts.manage_regions", region)
    code, name = code.strip(), name.strip()
    level = _validate_region(region=region, code=code, name=name, parent=parent)
    before = snapshot(region, REGION_FIELDS)
    region.code, region.name, region.level, region.parent = code, name, level, parent
    region.save()
    audit(actor, "accounts.region_update", region, before=before, after=snapshot(region, REGION_FIELDS))
    return region


API_TOKEN_FIELDS = ("user", "name", "prefix", "expires_at", "revoked_at")


@service
def api_token_issue(
    *, actor: User, user: User, name: str, expires_on: dt.date | None = None
) -> tuple[ApiToken, str]:
    """签发接口令牌: returns the token and its raw secret, which is shown once and never stored.

    ``expires_on`` is the last day the token works (it stops at the following midnight).
    """
    from django.conf import settings

    require(actor, "accounts.issue_api_token", user)
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not user.is_active:
        errors[NON_FIELD_ERRORS] = [_("An inactive user cannot be given an API token.")]
    if not name:
        errors["name"] = [_("Enter a name.")]
    if expires_on is not None and expires_on < timezone.localdate():
        errors["expires_on"] = [_("The expiry date cannot be in the past.")]
    if expires_on is not None and expires_on > LATEST_DATE:
        errors["expires_on"] = [
            _("Choose an expiry date no later than %(date)s.") % {"date": LATEST_DATE.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    expires_at = None
    if expires_on is not None:
        next_day = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min)
        expires_at = timezone.make_aware(next_day, timezone.get_current_timezone())
    raw = settings.RENDA_API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:8],
        token_hash=ApiToken.hash(raw),
        expires_at=expires_at,
    )
    audit(actor, "accounts.api_token_issue", token, after=snapshot(token, API_TOKEN_FIELDS))
    return token, raw


@service
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """吊销接口令牌: the token stops working at once."""
    require(actor, "accounts.manage_api_tokens", token.user)
    if token.revoked_at is not None:
        raise ValidationError(_("This token has already been revoked."))
    before = snapshot(token, API_TOKEN_FIELDS)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit(actor, "accounts.api_token_revoke", token, before=before, after=snapshot(token, API_TOKEN_FIELDS))
    return token
