"""Fixtures shared by every module's tests: users of each role, signed-in clients."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts.models import Organisation, Region, Role, User

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def demo_installation(settings):
    """Tests run as a demo installation (``RENDA_DEMO``), as ``make run`` does; a test may turn it off."""
    settings.RENDA_DEMO = True


@pytest.fixture(autouse=True)
def default_language(settings):
    """Each test starts in the site's language (Chinese): a request in English through the test
    client leaves English active in the test's thread, which the next test would inherit."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_public_pages():
    """Each test starts with no stored public page (the store is per process, like a worker's)."""
    from django.core.cache import caches

    caches["public_pages"].clear()


@pytest.fixture
def county(db) -> Region:
    region, _ = Region.objects.get_or_create(
        code="610999", defaults={"name": "示范县", "level": Region.Level.COUNTY}
    )
    return region


@pytest.fixture
def make_organisation(county):
    def make(kind: str = Organisation.Kind.DEPARTMENT, name: str = "", **extra) -> Organisation:
        n = next(_seq)
        return Organisation.objects.create(
            code=extra.pop("code", f"T{n:04d}"),
            name=name or f"测试单位{n}",
            kind=kind,
            region=county,
            **extra,
        )

    return make


@pytest.fixture
def make_user(db, make_organisation):
    """``make_user(role=Role.STAFF, organisation=...)``: an active user with password ``Renda-test-2026``."""

    def make(
        role: str = Role.CITIZEN, username: str = "", organisation: Organisation | None = None, **extra
    ) -> User:
        n = next(_seq)
        if organisation is None and role == Role.STAFF:
            organisation = make_organisation(kind=Organisation.Kind.CONGRESS, name=f"代表工作委员会{n}")
        if organisation is None and role in (Role.UNIT_HANDLER, Role.FINANCE_FEED):
            kind = Organisation.Kind.FINANCE if role == Role.FINANCE_FEED else Organisation.Kind.DEPARTMENT
            organisation = make_organisation(kind=kind)
        user = User.objects.create_user(
            username=username or f"{role}{n}",
            password="Renda-test-2026",
            role=role,
            organisation=organisation,
            real_name=extra.pop("real_name", f"测试{n}"),
            **extra,
        )
        return user

    return make


@pytest.fixture
def admin_user(make_user) -> User:
    return make_user(Role.ADMIN)


@pytest.fixture
def staff_user(make_user) -> User:
    return make_user(Role.STAFF)


@pytest.fixture
def deputy_user(make_user) -> User:
    return make_user(Role.DEPUTY)


@pytest.fixture
def unit_user(make_user) -> User:
    return make_user(Role.UNIT_HANDLER)


@pytest.fixture
def citizen_user(make_user) -> User:
    return make_user(Role.CITIZEN)


@pytest.fixture
def finance_feed_user(make_user) -> User:
    return make_user(Role.FINANCE_FEED)


def sign_in(client: Client, user: User) -> Client:
    """Sign ``user`` in on ``client``, past the second factor when the role needs one."""
    client.force_login(user)
    if user.needs_second_factor:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(db):
    """``client_for(user)``: a test client signed in as ``user`` (second factor passed)."""

    def make(user: User) -> Client:
        return sign_in(Client(), user)

    return make


def pdf_first_page_ink(pdf: bytes) -> float:
    """The share of non-white pixels on the PDF's first page, rendered to an image (pypdfium2)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=1).to_pil().convert("L")
    histogram = image.histogram()
    inked = sum(histogram[:200])
    return inked / (image.width * image.height)


def chinese_outside(html: str, data: Iterable[str] = ()) -> list[str]:
    """The lines of a page's text (and its attributes a person reads: title, aria-label,
    placeholder, alt) that hold Chinese once the given data values — names of units, payees,
    people, a file's own cells — are taken out, and the language switcher's own names (a language
    is named in itself). What an English page may not show (issue 15.9)."""
    import html as html_module
    import re

    cjk = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    attributes = re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', text)
    text = re.sub(r"<[^>]+>", "\n", text)
    text = html_module.unescape("\n".join([text, *attributes]))
    for value in sorted({*data, "简体中文", "中文"}, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    return [line.strip() for line in text.splitlines() if cjk.search(line)]
