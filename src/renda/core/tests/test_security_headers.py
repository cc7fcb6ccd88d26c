"""Headers and client addresses in production (issue 13, part 5): CSP, HSTS, proxies, Retry-After."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from renda.core.middleware import TrustedProxyMiddleware, client_address

SRC = Path(__file__).resolve().parents[2]
BODY = {"code": "RD2026X", "phone_last4": "5678"}


def test_every_page_forbids_inline_script_and_framing(client, db):
    response = client.get("/liaison/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_no_template_carries_inline_script_or_event_handlers():
    """The policy forbids inline script, so no template may rely on it (it would silently not run)."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
    handler = re.compile(r"\son[a-z]+=\"", re.IGNORECASE)
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text) or "javascript:" in text:
            offenders.append(str(template.relative_to(SRC)))
    assert offenders == []


@pytest.mark.parametrize(
    ("remote", "forwarded", "count", "proxies", "expected"),
    [
        ("10.0.0.5", "203.0.113.7", 0, [], "10.0.0.5"),  # no proxy configured: the header is ignored
        ("10.0.0.5", "203.0.113.7", 1, [], "203.0.113.7"),
        ("10.0.0.5", "1.2.3.4, 203.0.113.7", 1, [], "203.0.113.7"),  # a forged first hop is skipped
        ("10.0.0.5", "1.2.3.4, 203.0.113.7, 10.0.0.4", 2, [], "203.0.113.7"),
        ("10.0.0.5", "", 1, [], "10.0.0.5"),  # not through the proxy
        ("10.0.0.5", "1.2.3.4, 203.0.113.7", 0, ["10.0.0.0/8"], "203.0.113.7"),
        ("10.0.0.5", "203.0.113.7, 10.0.0.4", 0, ["10.0.0.0/8"], "203.0.113.7"),
        ("198.51.100.9", "203.0.113.7", 0, ["10.0.0.0/8"], "198.51.100.9"),  # not from a trusted proxy
        ("10.0.0.5", "not-an-address", 1, [], "0.0.0.0"),
    ],
)
def test_the_client_address_is_read_only_from_trusted_hops(remote, forwarded, count, proxies, expected):
    assert client_address(remote, forwarded, proxy_count=count, proxies=proxies) == expected


def test_rate_limits_see_each_client_behind_the_proxy(settings, db):
    settings.RENDA_TRUSTED_PROXY_COUNT = 1
    seen = []

    def view(request):
        from django.http import HttpResponse

        seen.append(request.META["REMOTE_ADDR"])
        return HttpResponse(status=429)

    middleware = TrustedProxyMiddleware(view)
    factory = RequestFactory()
    for address in ("203.0.113.7", "203.0.113.8"):
        response = middleware(factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=address))
        assert response["Retry-After"].isdigit()
    assert seen == ["203.0.113.7", "203.0.113.8"]


@pytest.mark.parametrize("remote", [None, "", "unix:/run/gunicorn.sock"])
def test_a_request_without_a_client_address_is_throttled_not_a_fault(remote, db):
    """A WSGI server on a Unix socket may give no REMOTE_ADDR: the public API keys its limits on it."""
    seen = []

    def view(request):
        from django.http import HttpResponse

        seen.append(request.META["REMOTE_ADDR"])
        return HttpResponse()

    request = RequestFactory().get("/")
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    TrustedProxyMiddleware(view)(request)
    assert seen == ["0.0.0.0"]


def test_a_throttled_public_form_says_when_to_try_again(db):
    client = Client()
    response = client.post("/api/v1/liaison/follow", BODY, content_type="application/json")
    for _ in range(40):
        if response.status_code == 429:
            break
        response = client.post("/api/v1/liaison/follow", BODY, content_type="application/json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_check_deploy_is_clean_with_the_production_settings_of_the_readme(tmp_path):
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_COOKIES": "1",
        "ALLOWED_HOSTS": "rd.example.gov.cn",
        "RENDA_DATA_DIR": str(tmp_path),
        "DEBUG": "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser journeys' conftest, never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=SRC.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_https_settings_follow_secure_cookies(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT)"
    )
    env = {
        **os.environ,
        "SECURE_COOKIES": "1",
        "RENDA_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "renda.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "31536000", "True"]
