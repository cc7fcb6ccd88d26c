"""The deputies module's API for the mobile client (mounted under /api/v1/deputies/).

My archive (履职档案): list my entries, add one with evidence. Writes go through the same services
as the web pages, so permission, validation (evidence checked by content) and audit are the same.
"""

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from renda.core.schemas import AUTHENTICATED, WITH_BODY, CleanSchema, LimitOffsetPagination, errors
from renda.deputies.models.archive import ArchiveEntry
from renda.deputies.selectors.archive import my_archive_entries
from renda.deputies.services import archive as services

router = Router(tags=["deputies"])
WRITE = {**AUTHENTICATED, **errors(404), **WITH_BODY}


class EvidenceOut(Schema):
    id: int
    name: str
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/deputies/archive/evidence/{obj.pk}/"


class ArchiveEntryOut(Schema):
    id: int
    date: dt.date
    section: str = Field(
        description="basics / meetings / inspections / training / group / suggestions / reports / honours"
    )
    section_label: str
    kind: str
    kind_label: str
    title: str
    text: str
    is_automatic: bool
    state: str = Field(description="submitted / checked / returned / approved (automatic entries: approved)")
    state_label: str
    return_reason: str
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_section_label(obj: ArchiveEntry) -> str:
        return str(obj.get_section_display())

    @staticmethod
    def resolve_kind_label(obj: ArchiveEntry) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_state_label(obj: ArchiveEntry) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_evidence(obj: ArchiveEntry) -> list:
        return list(obj.evidence.all())


ReportedKind = Literal[
    "visit_voters", "other_activity", "meeting", "inspection", "training", "report", "honour"
]


class ArchiveEntryIn(CleanSchema):
    kind: ReportedKind = Field(
        description="what the deputy did (走访选民, 参加其他活动, 会议, 视察调研, 学习培训, 述职, 表彰)"
    )
    date: dt.date
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=10, max_length=4000)


class MineQuery(CleanSchema):
    section: (
        Literal["basics", "meetings", "inspections", "training", "group", "suggestions", "reports", "honours"]
        | None
    ) = None


@router.get("/archive/mine", response={200: list[ArchiveEntryOut], **AUTHENTICATED, **errors(422)})
@paginate(LimitOffsetPagination, max_limit=100)
def archive_mine(request, filters: Query[MineQuery]):
    """我的履职档案: my current seat's entries (automatic and self-reported), latest first."""
    unknown = set(request.GET) - {"limit", "offset", "section"}
    if unknown:
        raise HttpError(422, _("Unknown parameter: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    return my_archive_entries(actor=request.auth, section=filters.section or "")


@router.post("/archive/mine", response={201: ArchiveEntryOut, **WRITE})
def archive_add(request, payload: Form[ArchiveEntryIn], files: File[list[UploadedFile]] = None):  # type: ignore[assignment]
    """填报: a self-reported entry with evidence (multipart: the fields and up to 6 files); goes to review."""
    entry = services.archive_entry_create(
        actor=request.auth,
        kind=payload.kind,
        date=payload.date,
        title=payload.title,
        text=payload.text,
        files=files or [],
    )
    return Status(201, ArchiveEntry.objects.prefetch_related("evidence").get(pk=entry.pk))
