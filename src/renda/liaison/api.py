"""The liaison module's API endpoints (mounted under /api/v1/liaison/ by renda.api.api).

Both are public (no account), rate-limited per address and per phone or code like the web forms:
``POST /opinions`` submits a citizen's opinion and answers its tracking code;
``POST /follow`` answers an opinion's or appointment's state and answer for a code and the
phone's last four digits (a POST, so that the code is never in a URL or an access log).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from renda.accounts.models import Region
from renda.core.schemas import WITH_BODY, CleanSchema, Id, errors
from renda.deputies.models import Deputy
from renda.liaison import selectors, services
from renda.liaison.forms import clean_mobile
from renda.liaison.models import Category, Opinion, Station
from renda.liaison.views import throttled

router = Router(tags=["liaison"])


class OpinionIn(CleanSchema):
    town: str = Field(..., max_length=20, description="The town's administrative code (行政区划代码).")
    category: str = Field(..., max_length=30, description="Topic: " + ", ".join(Category.values))
    phone: str = Field(..., max_length=30, description="An 11-digit mobile number, for the answer.")
    content: str = Field(..., min_length=1, max_length=5000)
    name: str = Field("", max_length=50)
    station: str = Field("", max_length=20, description="A station's code; empty to route by town or deputy.")
    deputy: Id | None = Field(None, description="A deputy's id; optional.")
    consent_publish: bool = False


class OpinionCreatedOut(Schema):
    code: str
    station: str
    state: str
    deadline: str | None


class FollowIn(CleanSchema):
    code: str = Field(..., max_length=30)
    phone_last4: str = Field(..., min_length=4, max_length=4)


class FollowOut(Schema):
    kind: str
    code: str
    state: str
    state_label: str
    station: str
    deadline: str | None = None
    answer: str = ""
    answered_at: str | None = None
    satisfaction: str = ""
    reason: str = ""


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


@router.post("/opinions", auth=None, response={201: OpinionCreatedOut, **WITH_BODY, **errors(429)})
def submit_opinion(request: HttpRequest, payload: OpinionIn):
    """提交群众意见: no account; answers the tracking code (keep it with the phone's last four digits)."""
    if throttled(request, "opinion_ip", "ip"):
        raise HttpError(429, "throttled")
    try:
        phone = clean_mobile(payload.phone)
    except ValidationError as error:
        raise _invalid("phone", error.messages[0]) from error
    if throttled(request, "opinion_phone", lambda g, r: phone):
        raise HttpError(429, "throttled")
    town = Region.objects.filter(code=payload.town, level=Region.Level.TOWN).first()
    if town is None:
        raise _invalid("town", _("No such town."))
    if payload.category not in Category.values:
        raise _invalid("category", _("No such topic."))
    station = None
    if payload.station:
        station = Station.objects.filter(code=payload.station, is_active=True).first()
        if station is None:
            raise _invalid("station", _("No such station."))
    deputy = None
    if payload.deputy is not None:
        deputy = Deputy.objects.filter(pk=payload.deputy, is_active=True).first()
        if deputy is None:
            raise _invalid("deputy", _("No such deputy."))
    opinion = services.opinion_submit(
        town=town,
        category=payload.category,
        phone=phone,
        content=payload.content,
        name=payload.name,
        station=station,
        deputy=deputy,
        consent_publish=payload.consent_publish,
        source=Opinion.Source.API,
    )
    return Status(
        201,
        {
            "code": opinion.code_display,
            "station": opinion.station.name,
            "state": opinion.state,
            "deadline": opinion.deadline.isoformat() if opinion.deadline else None,
        },
    )


@router.post("/follow", auth=None, response={200: FollowOut, **WITH_BODY, **errors(404, 429)})
def follow(request: HttpRequest, payload: FollowIn):
    """查询进度: the state (and answer) for a tracking code and the phone's last four digits."""
    code_key = "code:" + "".join(ch for ch in payload.code.upper() if ch.isalnum())
    if throttled(request, "follow_ip", "ip") or throttled(
        request, "follow_code", lambda g, r: code_key, increment=False
    ):
        raise HttpError(429, "throttled")
    item = selectors.followed_item(code=payload.code, phone_last4=payload.phone_last4)
    if item is None:
        throttled(request, "follow_code", lambda g, r: code_key)
        raise HttpError(404, "not found")
    if isinstance(item, Opinion):
        source = item.merged_into if item.state == Opinion.State.MERGED and item.merged_into else item
        return {
            "kind": "opinion",
            "code": item.code_display,
            "state": item.state,
            "state_label": str(item.get_state_display()),
            "station": item.station.name,
            "deadline": item.deadline.isoformat() if item.deadline and item.is_open else None,
            "answer": source.answer,
            "answered_at": source.answered_at.isoformat() if source.answered_at else None,
            "satisfaction": item.satisfaction,
            "reason": item.reject_reason,
        }
    return {
        "kind": "appointment",
        "code": item.code_display,
        "state": item.state,
        "state_label": str(item.get_state_display()),
        "station": item.reception_day.station.name,
        "reason": item.reject_reason,
    }
