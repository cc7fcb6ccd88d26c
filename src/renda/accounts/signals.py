"""Sign-in events go to the audit trail (登录审计)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from renda.core.audit import audit


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    audit(user, "accounts.login", user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit(user, "accounts.logout", user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    name = str((credentials or {}).get("username", ""))[:60]
    audit(None, "accounts.login", None, outcome="refused", note=f"username={name}")
