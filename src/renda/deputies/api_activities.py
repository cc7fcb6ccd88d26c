"""代表活动 API for the deputies' mobile client (mounted under /api/v1/deputies/activities/).

My activities (list, detail), answer (参加 / 请假 with a reason), and sign in with the token read from
the QR code. Every write goes through the same services as the web pages (permission, validation,
audit). A refused sign-in answers its own status and code: 400 ``forged``, 410 ``expired``, 409
``replayed`` / ``already`` / ``window`` / ``state``, 403 ``forbidden`` (not invited).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from renda.accounts.http import ApiRequest
from renda.core.permissions import PermissionRefused
from renda.core.schemas import AUTHENTICATED, WITH_BODY, CleanSchema, ErrorOut, errors
from renda.deputies.models.activities import Activity, Invitation
from renda.deputies.selectors import activities as selectors
from renda.deputies.services import activities as services

router = Router(tags=["deputies: activities"])

READ = {**AUTHENTICATED, **errors(404)}
WRITE = {**READ, **WITH_BODY}


class FileOut(Schema):
    name: str
    kind: str
    url: str


class MyActivityOut(Schema):
    id: int
    title: str
    kind: str = Field(
        description="session / session_observe / inspection / research / enforcement / group / "
        "reception / training / report / other"
    )
    kind_label: str
    state: str = Field(description="published / signin / closed / cancelled")
    state_label: str
    start_at: dt.datetime
    end_at: dt.datetime
    place: str
    organiser: str
    today: bool
    answer: str = Field(description="pending / attend / leave")
    leave: str = Field(description="'' / pending / approved / refused")
    leave_note: str
    signed_in_at: dt.datetime | None
    attendance: str = Field(description="present / leave / absent / not_recorded")
    attendance_label: str
    ics_url: str


class MyActivityDetailOut(MyActivityOut):
    agenda: str
    reason: str
    cancel_reason: str
    files: list[FileOut]


class AnswerIn(CleanSchema):
    answer: Literal["attend", "leave"]
    reason: str = Field("", max_length=200, description="Required when asking for leave.")


class SignInIn(CleanSchema):
    token: str = Field(..., min_length=1, max_length=200, description="The token in the QR code's URL.")


def _out(invitation: Invitation, *, detail: bool = False) -> dict[str, Any]:
    a = invitation.activity
    row: dict[str, Any] = {
        "id": a.pk,
        "title": a.title,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "state": a.state,
        "state_label": a.get_state_display(),
        "start_at": a.start_at,
        "end_at": a.end_at,
        "place": a.place,
        "organiser": a.organiser_name,
        "today": selectors.is_today(a),
        "answer": invitation.answer,
        "leave": invitation.leave,
        "leave_note": invitation.leave_note,
        "signed_in_at": invitation.signed_in_at,
        "attendance": invitation.attendance(a),
        "attendance_label": invitation.attendance_label,
        "ics_url": reverse("deputies:activity_ics", args=[a.pk]),
    }
    if detail:
        row |= {
            "agenda": a.agenda,
            "reason": invitation.reason,
            "cancel_reason": a.cancel_reason,
            "files": [
                {"name": f.name, "kind": f.kind, "url": reverse("deputies:activity_file", args=[f.pk])}
                for f in a.files.all()
            ],
        }
    return row


def _mine(request: ApiRequest, pk: int) -> Invitation:
    activity: Activity = selectors.activity_for(actor=request.auth, pk=pk)
    invitation = selectors.own_invitation(actor=request.auth, activity=activity)
    if invitation is None:  # staff who may read it, but it is not theirs: not in "my activities"
        raise PermissionRefused(
            request.auth, "deputies.answer_invitation", activity, _("You are not invited to this activity.")
        )
    return invitation


@router.get("/mine", response={200: list[MyActivityOut], **AUTHENTICATED})
def my_activities(request: ApiRequest):
    """我的活动: today's first, then the coming ones, then the past ones (at most 500)."""
    return [_out(i) for i in selectors.my_activities(actor=request.auth)]


@router.get("/{int:pk}", response={200: MyActivityDetailOut, **READ})
def my_activity(request: ApiRequest, pk: int):
    """One of my activities with its agenda and materials."""
    return _out(_mine(request, pk), detail=True)


@router.post("/{int:pk}/answer", response={200: MyActivityDetailOut, **WRITE})
def answer(request: ApiRequest, pk: int, payload: AnswerIn):
    """答复: 参加 (attend), or 请假 (leave) with a reason; refused after the activity (400)."""
    invitation = _mine(request, pk)
    services.invitation_answer(
        actor=request.auth, invitation=invitation, answer=payload.answer, reason=payload.reason
    )
    return _out(_mine(request, pk), detail=True)


@router.post(
    "/sign-in", response={200: MyActivityDetailOut, **AUTHENTICATED, **WITH_BODY, **errors(409, 410)}
)
def sign_in(request: ApiRequest, payload: SignInIn):
    """扫码签到 with the token read from the QR code (the last part of its URL)."""
    try:
        invitation = services.activity_sign_in(actor=request.auth, token=payload.token)
    except services.SignInRefused as refusal:
        body = ErrorOut(code=refusal.code or "refused", message=refusal.messages[0], detail=None)
        return Status(refusal.status, body)
    return _out(_mine(request, invitation.activity_id), detail=True)
