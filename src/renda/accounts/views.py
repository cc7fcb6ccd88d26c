"""Sign-in pages: login, logout, second factor, password change."""

from __future__ import annotations

import base64
import binascii

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts import services
from renda.accounts.forms import EnrolForm, LoginForm, PasswordChangeForm, TokenForm
from renda.accounts.http import AuthedRequest


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A session cookie that no longer opens a session, on the way to a page: it expired.
        request = self.request
        context["session_expired"] = (
            request.method == "GET"
            and bool(context.get("next"))
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and not request.session.get("_auth_user_id")
        )
        return context


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """账户已锁定: shown instead of the login page once too many attempts failed (django-axes)."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    request.retry_after = minutes * 60  # type: ignore[attr-defined]  # Retry-After of the 429
    form = LoginForm(request)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "locked_message": _(
                "Too many failed sign-in attempts: this account is locked for %(minutes)s minutes."
            )
            % {"minutes": minutes},
        },
        status=429,
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def _totp_secret_b32(device: TOTPDevice) -> str:
    return base64.b32encode(binascii.unhexlify(device.key)).decode().rstrip("=")


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@login_required
def second_factor(request: AuthedRequest) -> HttpResponse:
    """二次验证: ask for the TOTP code, or send the person to set up an authenticator first."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:second_factor_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        throttled = any(
            d.throttling_failure_count >= 3 and not d.verify_is_allowed()[0]
            for d in TOTPDevice.objects.filter(user=user, confirmed=True)
        )
        form.add_error(
            "token",
            _("Too many wrong codes in a row: wait a few seconds, then enter the current code.")
            if throttled
            else _("The code is wrong or has expired. Please try the current code."),
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/second_factor.html", {"form": form, "next": _safe_next(request)}, status=status
    )


@login_required
def second_factor_enrol(request: AuthedRequest) -> HttpResponse:
    """绑定验证器: scan the QR code (or type the secret), then confirm with the first code.

    Someone who already has an authenticator passes it first and gives a current code of it again
    to replace it; the password alone never reaches this page's secret.
    """
    user = request.user
    replacing = services.has_confirmed_authenticator(user)
    if replacing and not user.is_verified():
        target = reverse("accounts:second_factor")
        return redirect(f"{target}?{urlencode({'next': request.path})}")
    device = services.totp_device_start(actor=user)
    form = EnrolForm(request.POST or None, replacing=replacing)
    if request.method == "POST" and form.is_valid():
        outcome = services.totp_device_confirm(
            actor=user,
            device=device,
            token=form.cleaned_data["token"],
            current_token=form.cleaned_data.get("current_token", ""),
        )
        if outcome == services.EnrolOutcome.CONFIRMED:
            device.refresh_from_db()
            otp_login(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(settings.LOGIN_REDIRECT_URL)
        field = "current_token" if outcome == services.EnrolOutcome.WRONG_CURRENT_CODE else "token"
        form.add_error(field, _("The code is wrong or has expired. Please try the current code."))
    context = {
        "form": form,
        "replacing": replacing,
        "secret": _totp_secret_b32(device),
        "qr_svg": _qr_svg(device.config_url),
    }
    return render(request, "accounts/second_factor_enrol.html", context, status=400 if form.errors else 200)


@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    """修改密码."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200
    )
