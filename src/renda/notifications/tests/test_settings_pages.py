"""A person's settings, the phone's verification, the role defaults and the delivery log (admins only)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from renda.accounts.models import Role
from renda.notifications.delivery import ChannelChooser, phone_hash
from renda.notifications.gateways import gateway_for
from renda.notifications.models import Delivery, Notification, Preference, RecipientSettings, RoleDefault
from renda.notifications.preferences import phone_is_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _console_gateways(settings):
    settings.NOTIFICATION_GATEWAYS = {c: {"BACKEND": "console"} for c in ("sms", "wechat", "email")}


def test_a_person_chooses_channels_digest_and_quiet_hours(make_user, client_for):
    deputy = make_user(Role.DEPUTY)
    c = client_for(deputy)
    page = c.get(reverse("notifications:preferences")).content.decode()
    assert 'data-testid="channel-grid"' in page and 'name="sms:suggestion.assigned"' in page
    response = c.post(
        reverse("notifications:preferences"),
        {"sms:suggestion.assigned": "on", "digest:suggestion.overdue": "on", "email:suggestion.overdue": "on",
         "quiet_start": "21:30", "quiet_end": "06:45"},
    )  # fmt: skip
    assert response.status_code == 302
    assigned = Preference.objects.get(user=deputy, kind="suggestion.assigned")
    assert assigned.channels == ["inbox", "sms"] and not assigned.digest
    overdue = Preference.objects.get(user=deputy, kind="suggestion.overdue")
    assert overdue.channels == ["inbox", "email"] and overdue.digest
    assert Preference.objects.get(user=deputy, kind="suggestion.closed").channels == ["inbox"]  # unticked
    own = RecipientSettings.objects.get(user=deputy)
    assert (str(own.quiet_start), str(own.quiet_end)) == ("21:30:00", "06:45:00")


def test_bad_settings_are_refused_with_a_message_not_a_500(make_user, client_for):
    c = client_for(make_user(Role.DEPUTY))
    bad_time = c.post(reverse("notifications:preferences"), {"quiet_start": "25:99", "quiet_end": "07:00"})
    assert bad_time.status_code == 400
    half = c.post(reverse("notifications:preferences"), {"quiet_start": "22:00"})
    assert half.status_code == 400 and not RecipientSettings.objects.exists()


def test_the_phone_is_verified_by_a_code_sent_to_it(make_user, client_for):
    deputy = make_user(Role.DEPUTY, phone="13812345678")
    c = client_for(deputy)
    assert "138****5678" in c.get(reverse("notifications:preferences")).content.decode()
    c.post(reverse("notifications:phone_code_send"))
    sent = gateway_for("sms").sent[-1]  # type: ignore[attr-defined]
    assert sent.address == "13812345678"
    code = "".join(ch for ch in sent.text if ch.isdigit())[:6]
    wrong = "000000" if code != "000000" else "111111"
    c.post(reverse("notifications:phone_code_confirm"), {"code": wrong})
    assert not phone_is_verified(deputy)
    c.post(reverse("notifications:phone_code_confirm"), {"code": code})
    assert phone_is_verified(deputy)
    assert RecipientSettings.objects.get(user=deputy).phone_verified_hash == phone_hash("13812345678")
    deputy.phone = "13900000000"  # a changed number is unverified at once
    deputy.save()
    assert not phone_is_verified(deputy)


def test_the_administrator_sets_the_defaults_of_a_role(make_user, admin_user, client_for):
    clerk = make_user(Role.UNIT_HANDLER)
    url = reverse("notifications:role_defaults")
    assert client_for(clerk).get(url).status_code == 403
    assert client_for(clerk).post(url, {"role": "unit_handler"}).status_code == 403
    c = client_for(admin_user)
    assert c.get(url, {"role": "unit_handler"}).status_code == 200
    c.post(url, {"role": "unit_handler", "sms:suggestion.assigned": "on"})
    assert RoleDefault.objects.get(role="unit_handler", kind="suggestion.assigned").channels == [
        "inbox",
        "sms",
    ]
    assert ChannelChooser([clerk]).choice(clerk, "suggestion.assigned").channels == ["inbox", "sms"]
    Preference.objects.create(user=clerk, kind="suggestion.assigned", channels=["inbox", "email"])
    assert ChannelChooser([clerk]).choice(clerk, "suggestion.assigned").channels == ["inbox", "email"]


def _delivery(user, **extra):
    notice = Notification.objects.create(
        recipient=user, kind="suggestion.assigned", text="建议已交办", link="/"
    )
    values = {"channel": "sms", "address_masked": "138****5678", "status": "failed", "reason": "busy"}
    return Delivery.objects.create(
        notification=notice, recipient=user, kind=notice.kind, **{**values, **extra}
    )


def test_the_delivery_log_is_for_administrators_and_masks_addresses(make_user, admin_user, client_for):
    deputy = make_user(Role.DEPUTY, phone="13812345678", real_name="李建国")
    _delivery(deputy)
    _delivery(deputy, channel="email", address_masked="l***@example.cn", status="sent", reason="")
    url = reverse("notifications:deliveries")
    for other in (deputy, make_user(Role.STAFF)):
        assert client_for(other).get(url).status_code == 403
        assert client_for(other).get(url, {"export": "xlsx"}).status_code == 403
    c = client_for(admin_user)
    page = c.get(url).content.decode()
    assert "李建国" in page and "138****5678" in page and "13812345678" not in page
    failed = c.get(url, {"status": "failed", "channel": "sms", "q": "李"}).content.decode()
    assert failed.count('data-testid="delivery"') == 1
    assert c.get(url, {"status": "nonsense", "since": "2026-13-45"}).status_code == 200
    export = c.get(url, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "138****5678" in cells and not any("13812345678" in v for v in cells)
