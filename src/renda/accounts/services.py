"""Every write on users and sign-in (账户服务). Views call these; nothing else writes."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts.models import User
from renda.core.audit import audit
from renda.core.permissions import require, service


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


@service
def totp_device_start(*, actor: User) -> TOTPDevice:
    """开始绑定验证器: create (or reuse) the unconfirmed TOTP device whose secret the person scans."""
    require(actor, "accounts.enrol_second_factor")
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=_("Authenticator app"), confirmed=False)
    return device


@service
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> bool:
    """确认绑定验证器: the first correct code confirms the device and replaces any older one."""
    require(actor, "accounts.enrol_second_factor")
    if device.user_id != actor.pk or device.confirmed:
        raise ValidationError(_("This authenticator is not waiting for confirmation."))
    if not device.verify_token(token):
        audit(actor, "accounts.second_factor_enrol", actor, outcome="refused", note="wrong code")
        return False
    TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit(actor, "accounts.second_factor_enrol", actor)
    return True


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
