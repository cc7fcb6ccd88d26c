"""履职档案: self-reported entries, their two-step review with reasons, duplicates, who may do what."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from renda.accounts.models import Role
from renda.core.models import AuditEvent
from renda.deputies.models import ArchiveEntry, ArchiveStep, GroupReviewer, Person
from renda.deputies.selectors.archive import archive_duplicates, archive_entries_for_staff, my_archive
from renda.deputies.services import archive as services

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 5, 20)
TEXT = "走访幸福社区选民十二户，收集到关于老旧小区加装电梯的意见三条。"


def photo(color=(200, 30, 30), name="走访.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def deputy(make_user, seats):
    user = make_user(Role.DEPUTY)
    Person.objects.filter(pk=seats[0].person_id).update(user=user)
    return user


@pytest.fixture
def other_deputy(make_user, seats):
    user = make_user(Role.DEPUTY)
    Person.objects.filter(pk=seats[1].person_id).update(user=user)
    return user


@pytest.fixture
def reviewer(make_user, make_organisation, group):
    """The group's first reviewer (a town clerk)."""
    user = make_user(Role.STAFF, organisation=make_organisation(kind="township", name="城关镇人民政府"))
    GroupReviewer.objects.create(group=group, user=user)
    return user


def report(user, **kw):
    data: dict[str, Any] = {
        "kind": "visit_voters",
        "date": DAY,
        "title": "走访幸福社区选民",
        "text": TEXT,
        "files": [photo()],
    }
    data.update(kw)
    return services.archive_entry_create(actor=user, **data)


def test_the_full_review_round_with_a_reason(deputy, reviewer, office):
    entry = report(deputy)
    assert entry.state == "submitted" and entry.evidence.count() == 1
    services.archive_entry_return(
        actor=reviewer, entry=entry, reason="照片看不清，请补充清晰照片。", version=1
    )
    entry.refresh_from_db()
    assert (entry.state, entry.return_reason) == ("returned", "照片看不清，请补充清晰照片。")
    archive = my_archive(actor=deputy)
    assert [e.pk for e in archive.to_fix] == [entry.pk]

    services.archive_entry_update(
        actor=deputy,
        entry=entry,
        kind="visit_voters",
        date=DAY,
        title="走访幸福社区选民",
        text=TEXT,
        files=[photo((10, 120, 10), "清晰.jpg")],
        remove=[entry.evidence.get().pk],
    )
    entry.refresh_from_db()
    assert (entry.state, entry.version, entry.return_reason) == ("submitted", 2, "")
    assert [e.name for e in entry.evidence.all()] == ["清晰.jpg"]
    services.archive_entry_approve(actor=reviewer, entry=entry, version=2)
    entry.refresh_from_db()
    assert entry.state == "checked"  # 初审 done; 代表工委 next
    with pytest.raises(PermissionDenied):  # the group's reviewer does not give the final approval
        services.archive_entry_approve(actor=reviewer, entry=entry, version=2)
    services.archive_entry_approve(actor=office, entry=entry, version=2)
    entry.refresh_from_db()
    assert entry.state == "approved"
    assert my_archive(actor=deputy).counts["group"] == 1
    actions = list(ArchiveStep.objects.filter(entry=entry).values_list("action", flat=True))
    assert actions == ["submit", "return", "update", "check", "approve"]
    assert AuditEvent.objects.filter(action="deputies.archive_return").count() == 1

    # An edit after approval re-opens review.
    services.archive_entry_update(
        actor=deputy, entry=entry, kind="visit_voters", date=DAY, title="走访幸福社区选民（补充）", text=TEXT
    )
    entry.refresh_from_db()
    assert entry.state == "submitted" and my_archive(actor=deputy).counts["group"] == 0


def test_return_needs_a_reason_and_a_stale_review_is_refused(deputy, reviewer):
    entry = report(deputy)
    with pytest.raises(ValidationError) as no_reason:
        services.archive_entry_return(actor=reviewer, entry=entry, reason=" ", version=1)
    assert "退回" in str(no_reason.value.messages)
    services.archive_entry_update(
        actor=deputy, entry=entry, kind="visit_voters", date=DAY, title="改了标题", text=TEXT
    )
    with pytest.raises(ValidationError) as stale:
        services.archive_entry_approve(actor=reviewer, entry=entry, version=1)
    assert stale.value.code == "stale"
    entry.refresh_from_db()
    assert entry.state == "submitted"


def test_a_deputy_never_reviews_their_own_entry_even_as_reviewer(deputy, group, office):
    GroupReviewer.objects.create(group=group, user=deputy)
    entry = report(deputy)
    with pytest.raises(PermissionDenied):
        services.archive_entry_approve(actor=deputy, entry=entry, version=1)
    with pytest.raises(PermissionDenied):
        services.archive_entry_return(actor=deputy, entry=entry, reason="自己退回自己", version=1)


def test_permissions_per_role(
    deputy,
    other_deputy,
    reviewer,
    office,
    budget_staff,
    make_user,
    make_organisation,
    client_for,
    term,
    county,
):
    from renda.deputies.models import DeputyGroup

    entry = report(deputy)
    # another deputy: neither sees nor edits it
    with pytest.raises(PermissionDenied):
        services.archive_entry_update(
            actor=other_deputy, entry=entry, kind="visit_voters", date=DAY, title="x", text=TEXT
        )
    assert client_for(other_deputy).get(reverse("deputies:archive_entry", args=[entry.pk])).status_code == 403
    # a reviewer of another group sees nothing of it
    elsewhere = make_user(Role.STAFF, organisation=make_organisation(kind="township", name="河东镇人民政府"))
    other_group = DeputyGroup.objects.create(term=term, name="河东镇代表团", region=county)
    GroupReviewer.objects.create(group=other_group, user=elsewhere)
    assert list(archive_entries_for_staff(actor=elsewhere)) == []
    with pytest.raises(PermissionDenied):
        services.archive_entry_approve(actor=elsewhere, entry=entry, version=1)
    # staff outside the office and not a reviewer: refused the review list
    assert client_for(budget_staff).get(reverse("deputies:archive_review")).status_code == 403
    # the group's reviewer and the office see it
    assert [e.pk for e in archive_entries_for_staff(actor=reviewer)] == [entry.pk]
    assert [e.pk for e in archive_entries_for_staff(actor=office)] == [entry.pk]
    # evidence is served only after the check
    ev = entry.evidence.get()
    assert client_for(deputy).get(reverse("deputies:archive_evidence", args=[ev.pk])).status_code == 200
    assert client_for(other_deputy).get(reverse("deputies:archive_evidence", args=[ev.pk])).status_code == 403


def test_bad_input_is_a_clear_message_and_nothing_is_written(deputy, client_for):
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as bad:
        report(deputy, files=[fake])
    assert "files" in bad.value.message_dict
    with pytest.raises(ValidationError) as future:
        report(deputy, date=dt.date.today() + dt.timedelta(days=3), files=[])
    assert "date" in future.value.message_dict
    response = client_for(deputy).post(
        reverse("deputies:archive_new"),
        {"kind": "visit_voters", "date": "2025-05-20", "title": "走访", "text": "太短", "files": [fake]},
    )
    assert response.status_code == 400
    assert not ArchiveEntry.objects.exists()


def test_duplicates_are_flagged_for_the_reviewer(deputy, reviewer, client_for):
    first = report(deputy)
    second = report(deputy, title="又一次走访", files=[photo()])  # same day, kind and the same photo
    third = report(deputy, date=dt.date(2025, 6, 1), files=[photo((0, 0, 200))])
    warnings = archive_duplicates([first, second, third])
    assert set(warnings[second.pk]) == {"same_day", "same_photo"}
    assert third.pk not in warnings
    page = client_for(reviewer).get(reverse("deputies:archive_entry", args=[second.pk])).content.decode()
    assert 'data-testid="duplicate-warning"' in page


def test_batch_approval_from_the_review_list(deputy, reviewer, client_for):
    a, b = report(deputy), report(deputy, date=dt.date(2025, 6, 2), files=[])
    response = client_for(reviewer).post(
        reverse("deputies:archive_batch_approve"), {"entry": [f"{a.pk}:1", f"{b.pk}:1"]}
    )
    assert response.status_code == 302
    assert set(ArchiveEntry.objects.values_list("state", flat=True)) == {"checked"}


def test_my_archive_page_and_the_review_page_render(deputy, reviewer, client_for):
    report(deputy)
    page = client_for(deputy).get(reverse("deputies:archive"))
    assert page.status_code == 200 and "走访幸福社区选民" in page.content.decode()
    review = client_for(reviewer).get(reverse("deputies:archive_review"), {"state": "submitted"})
    assert review.status_code == 200 and len(review.context["items"]) == 1
    export = client_for(reviewer).get(reverse("deputies:archive_review"), {"format": "xlsx"})
    assert export.status_code == 200


def test_term_archive_pdf_renders_with_a_cover_page(deputy, reviewer, office, client_for, other_deputy):
    from renda.conftest import pdf_first_page_ink

    entry = report(deputy)
    services.archive_entry_approve(actor=reviewer, entry=entry, version=1)
    services.archive_entry_approve(actor=office, entry=entry, version=1)
    seat = entry.seat
    response = client_for(deputy).get(reverse("deputies:archive_pdf", args=[seat.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and pdf_first_page_ink(response.content) > 0.002
    import pypdfium2

    doc = pypdfium2.PdfDocument(response.content)
    assert len(doc) >= 2  # the cover, then the sections
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "人大代表履职档案" in text and "走访幸福社区选民" in text
    assert client_for(other_deputy).get(reverse("deputies:archive_pdf", args=[seat.pk])).status_code == 403
