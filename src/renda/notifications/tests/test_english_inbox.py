"""The inbox in English (issue 15.9): headings, filters, kinds and buttons in English; a notice's
own text is shown as it was written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.accounts.models import Role
from renda.conftest import chinese_outside
from renda.notifications.kinds import all_kinds
from renda.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_inbox_reads_in_english(make_user, client_for):
    clerk = make_user(Role.UNIT_HANDLER, real_name="皇甫志强")
    texts = ["建议已交办", "超期提醒"]
    for kind, text in zip([k.name for k in all_kinds()][:2], texts, strict=True):
        Notification.objects.create(recipient=clerk, kind=kind, text=text, link="/suggestions/1/")
    client = client_for(clerk)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert all(text in page for text in texts)
    assert not chinese_outside(page, {*texts, clerk.display_name})
