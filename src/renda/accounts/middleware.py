"""二次验证: staff and administrators reach nothing but the sign-in pages before passing TOTP."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

# Exact paths a half-signed-in person (password given, second factor not yet) may open. Exact, never
# prefixes: a prefix such as "/accounts/second-factor/" once let the enrolment page through, and with it
# a new authenticator that replaced the owner's (the bypass closed in issue 13).
OPEN_PATHS = frozenset(
    {
        "/accounts/logout/",
        "/accounts/second-factor/",
        "/accounts/second-factor/enrol/",
        "/i18n/setlang/",
        "/favicon.ico",
    }
)
# Static files carry no data; whitenoise serves them before this middleware in production.
OPEN_PREFIXES = ("/static/",)


def is_open_path(path: str) -> bool:
    """May a person who has not passed every sign-in step open ``path``?"""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "needs_second_factor", False)
            and not user.is_verified()
            and not is_open_path(request.path)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "second_factor_required",
                        "message": _("Second-factor sign-in is required."),
                        "detail": None,
                    },
                    status=403,
                )
            target = reverse("accounts:second_factor")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """首次登录改密: someone with an initial or reset password changes it before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not is_open_path(request.path)
            and not request.path.startswith("/api/")
        ):
            target = reverse("accounts:password_change")
            if request.path != target:
                if request.headers.get("HX-Request") == "true":
                    response = HttpResponse()
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
        return self.get_response(request)
