"""The HTML error pages: 404, CSRF refusal, oversized request, server fault. Never a stack trace."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db

ERRORS_URLS = "renda.core.tests.urls_errors"


def assert_error_page(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'data-testid="error-page" data-status="{status}"' in html
    assert "Traceback" not in html
    assert "django.core" not in html
    return html


def title_of(response) -> str:
    return str(response.context["title"])


def translated(msgid: str, response) -> str:
    with translation.override(response.context["LANGUAGE_CODE"]):
        return translation.gettext(msgid)


def test_debug_is_off_in_tests(settings):
    assert settings.DEBUG is False


def test_unknown_url_gives_our_404_page(client):
    response = client.get("/no-such-page/")
    html = assert_error_page(response, 404)
    assert "error.html" in [t.name for t in response.templates]
    assert '<html lang="zh-hans">' in html
    assert title_of(response) == translated("Page not found", response)


def test_unknown_url_for_a_signed_in_person(client_for, deputy_user):
    response = client_for(deputy_user).get("/deputies/no-such-page/")
    assert_error_page(response, 404)


def test_form_without_csrf_token_is_refused_with_our_page(deputy_user):
    client = Client(enforce_csrf_checks=True)
    credentials = {"username": deputy_user.username, "password": "Renda-test-2026"}
    response = client.post("/accounts/login/", credentials)
    assert_error_page(response, 403)
    assert title_of(response) == translated("Form expired", response)
    assert "_auth_user_id" not in client.session  # the sign-in did not happen
    assert not AuditEvent.objects.filter(action="accounts.login").exists()


def test_form_with_a_forged_csrf_token_is_refused(deputy_user):
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(
        "/accounts/login/",
        {"username": deputy_user.username, "password": "Renda-test-2026", "csrfmiddlewaretoken": "b" * 32},
    )
    assert_error_page(response, 403)
    assert title_of(response) == translated("Form expired", response)


@pytest.mark.parametrize("enforce_csrf", [False, True])
def test_oversized_form_is_400_not_500(settings, enforce_csrf):
    client = Client(enforce_csrf_checks=enforce_csrf)
    if enforce_csrf:  # with a cookie, the CSRF check reads the oversized form to find the token
        client.cookies["csrftoken"] = "a" * 32
    too_big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/accounts/login/", {"username": "someone", "password": too_big})
    assert_error_page(response, 400)
    assert title_of(response) == translated("Bad request", response)


@pytest.mark.urls(ERRORS_URLS)
def test_fault_in_a_view_gives_our_500_page(client):
    client.raise_request_exception = False
    response = client.get("/test-boom/")
    html = assert_error_page(response, 500)
    assert "secret detail of a fault" not in html
    assert title_of(response) == translated("Server error", response)


@pytest.mark.urls(ERRORS_URLS)
def test_500_page_for_a_signed_in_person(client_for, staff_user):
    client = client_for(staff_user)
    client.raise_request_exception = False
    assert_error_page(client.get("/test-boom/"), 500)


@pytest.mark.urls(ERRORS_URLS)
def test_500_page_survives_a_failing_template(client, monkeypatch):
    """If the full error page cannot be rendered (say the database is down), a plain one answers."""
    import renda.core.views as core_views

    def broken_render(*args, **kwargs):
        raise RuntimeError("template cannot render")

    monkeypatch.setattr(core_views, "render", broken_render)
    client.raise_request_exception = False
    response = client.get("/test-boom/")
    html = assert_error_page(response, 500)
    assert "template cannot render" not in html
    assert "secret detail of a fault" not in html


def test_404_page_survives_a_failing_template(client, monkeypatch):
    import renda.core.views as core_views

    monkeypatch.setattr(core_views, "render", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    assert_error_page(client.get("/no-such-page/"), 404)
