"""初审人 (issue 18 §3): the office assigns a group's first-step reviewers; a reviewer sees and reviews
only their group's entries, the first step only; future reception days do not count; the archive
pages cost the same number of queries whatever the number of entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import Role
from renda.core.models import AuditEvent
from renda.deputies.models import ArchiveEntry, DeputyGroup, GroupReviewer, Person
from renda.deputies.selectors.archive import archive_entries_for_staff
from renda.deputies.services import archive as services
from renda.deputies.services import reviewers as reviewer_services

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 5, 20)
TEXT = "走访幸福社区选民十二户，收集到关于老旧小区加装电梯的意见三条。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def deputy(make_user, seats):
    user = make_user(Role.DEPUTY)
    Person.objects.filter(pk=seats[0].person_id).update(user=user)
    return user


@pytest.fixture
def clerk(make_user, make_organisation):
    """A town clerk, not of the deputy affairs office."""
    return make_user(Role.STAFF, organisation=make_organisation(kind="township", name="城关镇人民政府"))


@pytest.fixture
def group_b(term, county):
    return DeputyGroup.objects.create(term=term, name="河东镇代表团", region=county)


@pytest.fixture
def seat_b(term, group_b, county):
    from renda.deputies.models import Deputy

    return Deputy.objects.create_seat(
        term=term, group=group_b, region=county, number="19099", name="周敏", gender="F"
    )


def report(user, **kw):
    data: dict[str, Any] = {"kind": "visit_voters", "date": DAY, "title": "走访幸福社区选民", "text": TEXT}
    data.update(kw)
    return services.archive_entry_create(actor=user, **data)


def test_the_office_assigns_and_removes_a_reviewer_audited(office, clerk, group, client_for):
    c = client_for(office)
    page = c.get(reverse("deputies:archive_reviewers"))
    assert page.status_code == 200 and "城关镇代表团" in page.content.decode()
    response = c.post(reverse("deputies:archive_reviewers"), {"group": group.pk, "user": clerk.pk})
    assert response.status_code == 302
    reviewer = GroupReviewer.objects.get()
    assert (reviewer.group, reviewer.user) == (group, clerk)
    assert AuditEvent.objects.filter(action="deputies.group_reviewer_add", actor=office).count() == 1
    again = c.post(reverse("deputies:archive_reviewers"), {"group": group.pk, "user": clerk.pk})
    assert again.status_code == 400 and "已" in again.content.decode()
    assert GroupReviewer.objects.count() == 1
    c.post(reverse("deputies:archive_reviewer_remove", args=[reviewer.pk]))
    assert not GroupReviewer.objects.exists()
    assert AuditEvent.objects.filter(action="deputies.group_reviewer_remove").count() == 1


def test_only_staff_and_deputies_can_be_reviewers(office, group, make_user, client_for):
    citizen = make_user(Role.CITIZEN)
    response = client_for(office).post(
        reverse("deputies:archive_reviewers"), {"group": group.pk, "user": citizen.pk}
    )
    assert response.status_code == 400
    assert not GroupReviewer.objects.exists()
    bad = client_for(office).post(reverse("deputies:archive_reviewers"), {"group": "x", "user": ""})
    assert bad.status_code == 400


def test_who_may_not_open_the_assignment_page(deputy, clerk, budget_staff, group, client_for):
    GroupReviewer.objects.create(group=group, user=clerk)
    for user in (deputy, clerk, budget_staff):
        assert client_for(user).get(reverse("deputies:archive_reviewers")).status_code == 403
        response = client_for(user).post(
            reverse("deputies:archive_reviewers"), {"group": group.pk, "user": user.pk}
        )
        assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        reviewer_services.group_reviewer_add(actor=deputy, group=group, user=deputy)
    reviewer = GroupReviewer.objects.get()
    assert (
        client_for(clerk).post(reverse("deputies:archive_reviewer_remove", args=[reviewer.pk])).status_code
        == 403
    )
    assert GroupReviewer.objects.count() == 1


def test_a_reviewer_of_group_a_is_refused_group_bs_entries(
    deputy, clerk, office, group, group_b, seat_b, make_user, client_for
):
    reviewer_services.group_reviewer_add(actor=office, group=group, user=clerk)
    mine = report(deputy)
    b_user = make_user(Role.DEPUTY)
    Person.objects.filter(pk=seat_b.person_id).update(user=b_user)
    theirs = report(b_user, title="走访河东村选民")
    assert [e.pk for e in archive_entries_for_staff(actor=clerk)] == [mine.pk]
    c = client_for(clerk)
    assert c.get(reverse("deputies:archive_entry", args=[theirs.pk])).status_code == 403
    act = c.post(reverse("deputies:archive_act", args=[theirs.pk, "approve"]), {"approve-version": 1})
    assert act.status_code == 403
    theirs.refresh_from_db()
    assert theirs.state == "submitted"
    with pytest.raises(PermissionDenied):
        services.archive_entry_approve(actor=clerk, entry=theirs, version=1)
    # their own group's entry: the first step only, then the office
    assert (
        c.post(reverse("deputies:archive_act", args=[mine.pk, "approve"]), {"approve-version": 1}).status_code
        == 302
    )
    mine.refresh_from_db()
    assert mine.state == "checked"
    with pytest.raises(PermissionDenied):
        services.archive_entry_approve(actor=clerk, entry=mine, version=1)
    services.archive_entry_approve(actor=office, entry=mine, version=1)
    mine.refresh_from_db()
    assert mine.state == "approved"


def test_the_reviewers_queue_is_on_their_workbench(deputy, clerk, office, group, client_for):
    reviewer_services.group_reviewer_add(actor=office, group=group, user=clerk)
    entry = report(deputy)
    page = client_for(clerk).get(reverse("core:workbench")).content.decode()
    assert entry.title in page and reverse("deputies:archive_entry", args=[entry.pk]) in page
    # a deputy who reviews their own group never finds their own entry in the queue
    GroupReviewer.objects.create(group=group, user=deputy)
    own = client_for(deputy).get(reverse("core:workbench")).content.decode()
    assert reverse("deputies:archive_entry", args=[entry.pk]) not in own


def test_future_reception_days_neither_show_nor_export(seats, office, client_for):
    from renda.deputies.services.archive import archive_record_automatic

    today = timezone.localdate()
    for days, name in ((-3, "已接待"), (5, "将接待")):
        archive_record_automatic(
            seat=seats[0],
            kind="reception_duty",
            section="group",
            date=today + dt.timedelta(days=days),
            title=name,
            source=seats[days > 0],  # any model row stands in for the reception day
        )
    titles = [e.title for e in archive_entries_for_staff(actor=office, filters=_all())]
    assert titles == ["已接待"]
    export = client_for(office).get(reverse("deputies:archive_review"), {"all": "1", "format": "xlsx"})
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    cells = [
        str(c.value)
        for row in load_workbook(BytesIO(b"".join(export.streaming_content))).active.iter_rows()
        for c in row
    ]
    assert "已接待" in cells and "将接待" not in cells


def _all():
    from renda.deputies.selectors.archive import ArchiveFilter

    return ArchiveFilter(self_reported=False)


def _bulk(seat, n):
    ArchiveEntry.objects.bulk_create(
        [
            ArchiveEntry(
                seat=seat,
                kind="visit_voters",
                section="group",
                date=DAY + dt.timedelta(days=i % 300),
                title=f"走访{i}",
                text=TEXT,
                state=("approved", "submitted", "returned", "checked")[i % 4],
            )
            for i in range(n)
        ]
    )


def _queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm-up: what a first request caches is not the page's cost
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_archive_pages_cost_the_same_queries_for_5_and_50_entries(deputy, seats, office, group, client_for):
    me, staff = client_for(deputy), client_for(office)
    mine, review = reverse("deputies:archive"), reverse("deputies:archive_review")
    _bulk(seats[0], 5)
    few = (_queries(me, mine), _queries(staff, review, {"group": group.pk}))
    _bulk(seats[0], 45)
    many = (_queries(me, mine), _queries(staff, review, {"group": group.pk}))
    assert few == many
