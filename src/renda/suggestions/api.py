"""The suggestions module's API for the deputies' mobile client (mounted under /api/v1/suggestions/).

My suggestions, create, submit, co-sign, the timeline and the rating. Every write goes through
the same services as the web pages, so permission, validation and audit are the same.
"""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from renda.core.permissions import require
from renda.core.schemas import AUTHENTICATED, WITH_BODY, CleanSchema, Id, LimitOffsetPagination, errors
from renda.deputies.models import Deputy
from renda.deputies.selectors import seat_of
from renda.suggestions import selectors, services
from renda.suggestions.models import Event, Satisfaction, State, Suggestion, SuggestionCategory

router = Router(tags=["suggestions"])


READ = {**AUTHENTICATED, **errors(404)}  # 404: no such suggestion, or not one the actor may see
WRITE = {**READ, **WITH_BODY}  # 400 invalid_data / wrong_state: the service refused the act


class CategoryOut(Schema):
    id: int
    name: str


class SuggestionOut(Schema):
    id: int
    number: str
    title: str
    content: str
    category: str
    state: str = Field(
        description="draft / submitted / returned / converted / merged / registered / "
        "assigned / in_progress / replied / closed"
    )
    state_label: str
    deputy: str
    is_lead: bool
    is_key: bool
    rounds: int
    reply_due: dt.date | None
    submitted_at: dt.datetime | None
    cosigners: list[str]

    @staticmethod
    def resolve_category(obj: Suggestion) -> str:
        return obj.category.name

    @staticmethod
    def resolve_state_label(obj: Suggestion) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_deputy(obj: Suggestion) -> str:
        return obj.deputy.name

    @staticmethod
    def resolve_is_lead(obj: Suggestion, context) -> bool:
        deputy = seat_of(context["request"].auth)
        return deputy is not None and obj.deputy_id == deputy.pk

    @staticmethod
    def resolve_cosigners(obj: Suggestion) -> list[str]:
        return [c.deputy.name for c in obj.cosigns.all() if c.signed_at]


class SuggestionIn(CleanSchema):
    title: str = Field(max_length=200)
    content: str = Field(max_length=20000)
    category_id: Id
    cosigner_ids: list[Id] = Field(
        default_factory=list, max_length=200, description="deputies invited to co-sign"
    )


class EventOut(Schema):
    at: dt.datetime
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: str
    note: str

    @staticmethod
    def resolve_actor(obj: Event) -> str:
        return obj.actor_name


class RateIn(CleanSchema):
    result: Satisfaction
    attitude: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)


class RateOut(Schema):
    state: str
    rounds: int
    reply_due: dt.date | None


class MineQuery(CleanSchema):
    state: State | None = None


def _get(request, pk: int) -> Suggestion:
    return selectors.suggestion_for(actor=request.auth, pk=pk)


def _detail(pk: int) -> Suggestion:
    return (
        Suggestion.objects.select_related("deputy__person", "category")
        .prefetch_related("cosigns__deputy__person")
        .get(pk=pk)
    )


@router.get("/categories", response={200: list[CategoryOut], **AUTHENTICATED})
def categories(request):
    """建议类别 a deputy may choose."""
    require(request.auth, "suggestions.view_list")
    return SuggestionCategory.objects.filter(is_active=True)


@router.get("/mine", response={200: list[SuggestionOut], **AUTHENTICATED})
@paginate(LimitOffsetPagination, max_limit=100)
def mine(request, filters: Query[MineQuery]):
    """我的建议: those the deputy leads or was invited to co-sign (staff and units: what they may see)."""
    rows = selectors.suggestions_visible_to(
        actor=request.auth, filters=selectors.SuggestionFilter(state=filters.state or "")
    )
    return rows.prefetch_related("cosigns__deputy__person")


@router.post("/", response={201: SuggestionOut, **WRITE})
def create(request, payload: SuggestionIn):
    """起草: a new draft."""
    category = get_object_or_404(SuggestionCategory, pk=payload.category_id, is_active=True)
    deputy = seat_of(request.auth)
    cosigners = (
        list(Deputy.objects.filter(pk__in=payload.cosigner_ids, term_id=deputy.term_id, is_active=True))
        if deputy is not None
        else []
    )
    suggestion = services.suggestion_create(
        actor=request.auth,
        title=payload.title,
        content=payload.content,
        category=category,
        cosigners=cosigners,
    )
    return Status(201, _detail(suggestion.pk))


@router.get("/{int:pk}", response={200: SuggestionOut, **READ})
def detail(request, pk: int):
    return _get(request, pk)


@router.post("/{int:pk}/submit", response={200: SuggestionOut, **WRITE})
def submit(request, pk: int):
    """提交."""
    services.suggestion_submit(actor=request.auth, suggestion=_get(request, pk))
    return _detail(pk)


@router.post("/{int:pk}/cosign", response={200: SuggestionOut, **WRITE})
def cosign(request, pk: int):
    """附议: the invited deputy confirms."""
    services.suggestion_cosign(actor=request.auth, suggestion=_get(request, pk))
    return _detail(pk)


@router.get("/{int:pk}/timeline", response={200: list[EventOut], **READ})
def timeline(request, pk: int):
    """办理过程."""
    return list(_get(request, pk).events.all())


@router.post("/{int:pk}/rate", response={200: RateOut, **WRITE})
def rate(request, pk: int, payload: RateIn):
    """评价: 满意/基本满意 close it; 不满意 starts another round."""
    suggestion = _get(request, pk)
    services.suggestion_rate(
        actor=request.auth,
        suggestion=suggestion,
        result=payload.result,
        attitude=payload.attitude,
        comment=payload.comment,
    )
    fresh = Suggestion.objects.get(pk=pk)
    return {"state": fresh.state, "rounds": fresh.rounds, "reply_due": fresh.reply_due}
