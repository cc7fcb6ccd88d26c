"""My archive in the mobile API: list, add with evidence (checked by content), who is refused."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from renda.accounts.models import ApiToken, Role
from renda.deputies.models import ArchiveEntry, Person

pytestmark = pytest.mark.django_db
URL = "/api/v1/deputies/archive/mine"
_n = itertools.count(1)


def auth(user) -> dict[str, str]:
    raw = f"rdt_deputies_test_{next(_n):06d}_abcdefgh"
    ApiToken.objects.create(user=user, name="手机", prefix=raw[:12], token_hash=ApiToken.hash(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def deputy(make_user, seats):
    user = make_user(Role.DEPUTY)
    Person.objects.filter(pk=seats[0].person_id).update(user=user)
    return user


def _jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(buf, "JPEG")
    return SimpleUploadedFile("走访.jpg", buf.getvalue(), content_type="image/jpeg")


FIELDS = {
    "kind": "visit_voters",
    "date": "2025-05-20",
    "title": "走访选民",
    "text": "走访幸福社区选民十二户，收集意见三条。",
}


def test_deputy_adds_an_entry_with_evidence_and_lists_it(client, deputy):
    response = client.post(URL, {**FIELDS, "files": [_jpeg()]}, **auth(deputy))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["state_label"] == "待初审"
    assert len(body["evidence"]) == 1
    listed = client.get(URL, **auth(deputy)).json()
    assert [e["title"] for e in listed["items"]] == ["走访选民"]


def test_a_fake_photo_is_a_clear_400_and_nothing_is_written(client, deputy):
    fake = SimpleUploadedFile("照片.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(URL, {**FIELDS, "files": [fake]}, **auth(deputy))
    assert response.status_code in (400, 422)
    assert "JPG" in response.content.decode() or "jpg" in response.content.decode()
    assert not ArchiveEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.UNIT_HANDLER, Role.DEPUTY])
def test_others_are_refused(client, make_user, seats, role):
    user = make_user(role)  # a deputy login without a linked seat is refused too
    assert client.get(URL, **auth(user)).status_code == 403
    assert client.post(URL, FIELDS, **auth(user)).status_code == 403
    assert not ArchiveEntry.objects.exists()
