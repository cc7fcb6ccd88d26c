"""Browser journeys: Playwright (Python) driving Debian's chromium against the live server.

Screenshots go to ``test-results/e2e/`` (look at them). Run only these with ``make e2e``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
PASSWORD = "Renda-test-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium).")
    return path


@pytest.fixture(scope="session")
def browser():
    import jieba
    from playwright.sync_api import sync_playwright

    # jieba reads its dictionary on first use (seconds on a loaded machine): not inside a page's wait
    jieba.initialize()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized viewport (375 × 740)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shot(request):
    """``shot(page, "step")`` saves ``test-results/e2e/<test>--<step>.png`` (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)

    def take(page, step: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}--{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def totp_now(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def with_authenticator():
    """``with_authenticator(user)``: give ``user`` a confirmed TOTP device; returns it."""

    def make(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="e2e", confirmed=True)

    return make


@pytest.fixture
def sign_in(with_authenticator):
    """``sign_in(page, user)``: sign in through the login form (and the second factor when needed)."""

    def do(page, user, password: str = PASSWORD) -> None:
        device = None
        if user.needs_second_factor:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or with_authenticator(user)
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        if device is not None:
            page.get_by_label("身份验证器中的6位验证码").fill(totp_now(device))
            page.get_by_role("button", name="验证").click()
        page.wait_for_url("**/")

    return do


def nav_click(page, name) -> None:
    """Follow a link of the menu bar, opening its drop-down (e.g. 预算联网监督) when it sits in one."""
    nav = page.locator("#renda-nav")
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    direct = nav.locator("a.nav-link:not(.dropdown-toggle)", has_text=name)
    if direct.count():
        direct.first.click()
        return
    item = page.locator("a.dropdown-item", has_text=name)
    nav.locator("li.dropdown", has=item).locator("a.dropdown-toggle").first.click()
    nav.locator("a.dropdown-item", has_text=name).first.click()
