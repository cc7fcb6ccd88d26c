"""Views of the liaison module: the public portal (no sign-in) and the work pages.

Public pages: /liaison/ (stations by town), /liaison/stations/<code>/, /liaison/calendar/,
/liaison/book/<day>/, /liaison/write/, /liaison/follow/, /liaison/public/. A tracking code never
appears in a URL: after a lookup the followed item is kept in the visitor's session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit import ALL
from django_ratelimit.core import get_usage, is_ratelimited

from renda.accounts.http import AuthedRequest
from renda.accounts.models import Region
from renda.core.params import (
    EARLIEST_DATE,
    LATEST_DATE,
    ChoiceParam,
    DateParam,
    FlagParam,
    IdParam,
    IntParam,
    TextParam,
    path_text,
    query_params,
)
from renda.core.permissions import can, require
from renda.core.public_cache import cached_public_page
from renda.core.views.acts import OfferedAct, offered_acts, run_act
from renda.core.workflow import Workflow, errors_onto_form
from renda.liaison import selectors, services
from renda.liaison.challenge import MODES, new_challenge, use_challenge_mode
from renda.liaison.forms import (
    AppointmentForm,
    FollowForm,
    OpinionForm,
    RateForm,
    ReasonForm,
    ReceptionDayForm,
    StationForm,
)
from renda.liaison.models import Appointment, Category, Opinion, OpinionAttachment, ReceptionDay, Station
from renda.liaison.templatetags.liaison_public import ELDER_COOKIE
from renda.liaison.workflow import APPOINTMENT, OPINION, PUBLICATION
from renda.notifications.selectors import number_may_be_texted

# Rate limits (django-ratelimit on the shared cache). Overridable in settings.
RATES = {
    "opinion_ip": "20/h",
    "opinion_phone": "5/h",
    "appointment_ip": "20/h",
    "appointment_phone": "5/h",
    "follow_ip": "30/h",
    "follow_code": "5/h",
    **getattr(settings, "RENDA_LIAISON_RATES", {}),
}
SESSION_NEW_CODE = "liaison_new_code"
STATION_CODE_MAX = Station._meta.get_field("code").max_length or 20
SESSION_FOLLOW = "liaison_follow"


def _phone_key(group: str, request: HttpRequest) -> str:
    from renda.liaison.forms import clean_mobile

    try:
        return clean_mobile(request.POST.get("phone", ""))
    except ValidationError:
        return ""


def throttled(
    request: HttpRequest, name: str, key: str | Callable[[str, HttpRequest], str], *, increment: bool = True
) -> bool:
    if not increment:  # only look: limited once the count has reached the limit
        usage = get_usage(request, group=f"liaison.{name}", key=key, rate=RATES[name], method=ALL)
        return usage is not None and usage["count"] >= usage["limit"]
    return is_ratelimited(
        request, group=f"liaison.{name}", key=key, rate=RATES[name], method=ALL, increment=increment
    )


def _throttle_message() -> str:
    return _("Too many submissions in a short time. Please wait an hour and try again, or call the station.")


# --- the public portal ---------------------------------------------------------------------------


@cached_public_page
def portal(request: HttpRequest) -> HttpResponse:
    """网上家站: the public entry — stations by town, and what a citizen can do here."""
    return render(
        request,
        "liaison/portal.html",
        {"towns": selectors.stations_by_town(), "upcoming": selectors.upcoming_reception_days(days=14)[:6]},
    )


def _active_station(code: str) -> Station | None:
    """The active station of ``code`` (already cleaned), or None."""
    return Station.objects.filter(code=code, is_active=True).first() if code else None


@cached_public_page
def station_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        station = selectors.public_station(path_text(code, max_length=STATION_CODE_MAX))
    except Station.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "liaison/station.html",
        {
            "station": station,
            "days": selectors.upcoming_reception_days(station=station),
            "published": selectors.published_opinions(station=station)[:5],
            "can_manage": can(request.user, "liaison.manage_station", station),
        },
    )


@cached_public_page
def calendar(request: HttpRequest) -> HttpResponse:
    """接待日历: the published reception days of the next three months, by date."""
    town_id = query_params(request.GET, town=IdParam())["town"]
    town = Region.objects.filter(level=Region.Level.TOWN, pk=town_id).first() if town_id else None
    days = list(selectors.upcoming_reception_days(town=town))
    by_date: dict[Any, list[ReceptionDay]] = {}
    for day in days:
        by_date.setdefault(day.date, []).append(day)
    return render(
        request,
        "liaison/calendar.html",
        {
            "by_date": sorted(by_date.items()),
            "towns": Region.objects.filter(level=Region.Level.TOWN).order_by("code"),
            "town": town,
        },
    )


def book(request: HttpRequest, pk: int) -> HttpResponse:
    """预约接待: a citizen books a slot on a reception day."""
    day = selectors.bookable_reception_day(pk)
    if day is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = AppointmentForm(request.POST)
        if throttled(request, "appointment_ip", "ip"):
            form.is_valid()
            form.add_error(None, _throttle_message())
            status = 429
        elif form.is_valid():
            if throttled(request, "appointment_phone", _phone_key):
                form.add_error(None, _throttle_message())
                status = 429
            else:
                texted = form.cleaned_data["code_by_sms"] and number_may_be_texted(form.cleaned_data["phone"])
                try:
                    appointment = services.appointment_book(
                        day=day,
                        **{k: form.cleaned_data[k] for k in ("name", "phone", "topic", "code_by_sms")},
                    )
                except ValidationError as error:
                    errors_onto_form(form, error)
                    status = 400
                else:
                    request.session[SESSION_NEW_CODE] = {
                        "kind": "appointment",
                        "code": appointment.code_display,
                        "sms_to": appointment.phone_masked if texted else "",
                        "sms_refused": appointment.code_by_sms and not texted,
                        "day": day.pk,
                    }
                    return redirect("liaison:done")
        else:
            status = 400
    else:
        form = AppointmentForm()
    _challenge(request, form)
    return render(request, "liaison/book.html", {"day": day, "form": form}, status=status)


def write(request: HttpRequest) -> HttpResponse:
    """写意见: the public opinion form (no account)."""
    status = 200
    if request.method == "POST":
        form = OpinionForm(request.POST, request.FILES)
        if throttled(request, "opinion_ip", "ip"):
            form.is_valid()
            form.add_error(None, _throttle_message())
            status = 429
        elif form.is_valid():
            if throttled(request, "opinion_phone", _phone_key):
                form.add_error(None, _throttle_message())
                status = 429
            else:
                data = form.cleaned_data
                texted = data["code_by_sms"] and number_may_be_texted(data["phone"])
                try:
                    opinion = services.opinion_submit(
                        town=data["town"],
                        category=data["category"],
                        phone=data["phone"],
                        content=data["content"],
                        name=data["name"],
                        station=data["station"],
                        deputy=data["deputy"],
                        consent_publish=data["consent_publish"],
                        attachments=data["attachments"],
                        code_by_sms=data["code_by_sms"],
                    )
                except ValidationError as error:
                    errors_onto_form(form, error)
                    status = 400
                else:
                    request.session[SESSION_NEW_CODE] = {
                        "kind": "opinion",
                        "code": opinion.code_display,
                        "sms_to": opinion.phone_masked if texted else "",
                        "sms_refused": opinion.code_by_sms and not texted,
                    }
                    return redirect("liaison:done")
        else:
            status = 400
    else:
        initial: dict[str, Any] = {}
        params = query_params(request.GET, station=TextParam(max_length=STATION_CODE_MAX), deputy=IdParam())
        station = _active_station(params["station"])
        if station is not None:
            initial.update(station=station, town=station.region)
        if params["deputy"]:
            initial["deputy"] = params["deputy"]
        form = OpinionForm(initial=initial)
    _challenge(request, form)
    return render(request, "liaison/write.html", {"form": form}, status=status)


def _challenge(request: HttpRequest, form: OpinionForm | AppointmentForm) -> None:
    """The challenge as a picture or as a question in words (``?challenge=text``; kept on a POST)."""
    if request.method == "POST":
        mode = query_params(request.POST, challenge_mode=ChoiceParam(MODES, default="image"))[
            "challenge_mode"
        ]
    else:
        mode = query_params(request.GET, challenge=ChoiceParam(MODES, default="image"))["challenge"]
    kept = request.GET.copy()
    kept.pop("challenge", None)
    use_challenge_mode(form, mode, kept.urlencode())


def challenge(request: HttpRequest) -> JsonResponse:
    """验证码: a new picture or question for the public forms (``renda.js``, ``?mode=text``)."""
    mode = query_params(request.GET, mode=ChoiceParam(MODES, default="image"))["mode"]
    response = JsonResponse(new_challenge(mode))
    response["Cache-Control"] = "no-store"
    return response


def done(request: HttpRequest) -> HttpResponse:
    """The tracking code, shown once after submitting."""
    new = request.session.pop(SESSION_NEW_CODE, None)
    if not new:
        return redirect("liaison:follow")
    day = ReceptionDay.objects.select_related("station").filter(pk=new.get("day") or 0).first()
    return render(request, "liaison/done.html", {"new": new, "day": day})


def follow(request: HttpRequest) -> HttpResponse:
    """查询进度: by tracking code and the phone's last four digits (rate-limited)."""
    status = 200
    item: Opinion | Appointment | None = None
    if request.method == "POST":
        form = FollowForm(request.POST)
        code_key = "code:" + "".join(ch for ch in request.POST.get("code", "").upper() if ch.isalnum())
        if throttled(request, "follow_ip", "ip") or throttled(
            request, "follow_code", lambda g, r: code_key, increment=False
        ):
            form.is_valid()
            form.add_error(None, _("Too many attempts. Please wait an hour and try again."))
            status = 429
        elif form.is_valid():
            item = selectors.followed_item(
                code=form.cleaned_data["code"], phone_last4=form.cleaned_data["phone_last4"]
            )
            if item is None:
                throttled(request, "follow_code", lambda g, r: code_key)
                form.add_error(
                    None,
                    _("Nothing matches this code and these digits. Check both and try again."),
                )
                status = 404
            else:
                kind = "opinion" if isinstance(item, Opinion) else "appointment"
                request.session[SESSION_FOLLOW] = {"kind": kind, "pk": item.pk}
                return redirect("liaison:follow")
        else:
            status = 400
    else:
        form = FollowForm()
        item = _followed(request)
    context: dict[str, Any] = {"form": form, "item": item, "rate_form": RateForm()}
    if isinstance(item, Opinion):
        context["kind"] = "opinion"
        context["answer_source"] = item.merged_into if item.state == Opinion.State.MERGED else item
        context["rating_is_final"] = not services.can_send_back(item)
    elif item is not None:
        context["kind"] = "appointment"
    return render(request, "liaison/follow.html", context, status=status)


def _followed(request: HttpRequest) -> Opinion | Appointment | None:
    held = request.session.get(SESSION_FOLLOW)
    if not held:
        return None
    if held.get("kind") == "opinion":
        return (
            Opinion.objects.select_related("station", "merged_into")
            .prefetch_related("events")
            .filter(pk=held["pk"])
            .first()
        )
    return (
        Appointment.objects.select_related("reception_day__station", "opinion").filter(pk=held["pk"]).first()
    )


@require_POST
def follow_rate(request: HttpRequest) -> HttpResponse:
    """The citizen rates the answer of the opinion they are following (session), which closes it."""
    item = _followed(request)
    if not isinstance(item, Opinion):
        return redirect("liaison:follow")
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.opinion_rate(
                opinion=item,
                satisfaction=form.cleaned_data["satisfaction"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if item.state == Opinion.State.PROCESSING:
                # 不满意, sent back: the citizen is told what happens next.
                messages.success(
                    request,
                    _(
                        "We have recorded that you are not satisfied, and why. Your opinion goes back to "
                        "its handler for another answer, due by %(due)s; you can rate that answer too."
                    )
                    % {"due": item.deadline},
                )
            elif item.satisfaction == Opinion.Satisfaction.UNSATISFIED:
                messages.success(
                    request,
                    _(
                        "We have recorded that you are not satisfied, and why; the station "
                        "and the office see it. This was the last round: the opinion is closed."
                    ),
                )
            else:
                messages.success(request, _("Thank you for rating the answer."))
    else:
        messages.error(request, _("Choose satisfied or not satisfied."))
    return redirect("liaison:follow")


@require_POST
def follow_forget(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_FOLLOW, None)
    return redirect("liaison:follow")


@cached_public_page
def published(request: HttpRequest) -> HttpResponse:
    """公开: published opinions and answers (redacted, checked), and the stations' figures."""
    station = _active_station(
        query_params(request.GET, station=TextParam(max_length=STATION_CODE_MAX))["station"]
    )
    paginator = Paginator(selectors.published_opinions(station=station), 20)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "liaison/published.html",
        {
            "page": page,
            "station": station,
            "stats": selectors.station_statistics(),
            "stations": Station.objects.filter(is_active=True),
        },
    )


# --- the work pages -----------------------------------------------------------------------------


@login_required
def work(request: AuthedRequest) -> HttpResponse:
    """意见办理: the actor's inbox — the opinions of their stations, their own, their department's."""
    params = query_params(
        request.GET,
        view=ChoiceParam(
            ("open", "done", "overdue", "dissatisfied", "all", "in_hand", "answered"), default="open"
        ),
        state=ChoiceParam(Opinion.State.values),
        station=IdParam(),
        category=ChoiceParam(Category.values),
        submitted_from=DateParam(min_value=EARLIEST_DATE, max_value=LATEST_DATE),
        submitted_to=DateParam(min_value=EARLIEST_DATE, max_value=LATEST_DATE),
        q=TextParam(max_length=50),
        page=IntParam(min_value=1, default=1),
    )
    view = params["view"]
    filters = selectors.OpinionFilter(
        state=params["state"],
        station=params["station"],
        overdue=view == "overdue",
        dissatisfied=view == "dissatisfied",
        q=params["q"],
        view=view if view in ("open", "done", "in_hand", "answered") else "",
        category=params["category"],
        submitted_from=params["submitted_from"],
        submitted_to=params["submitted_to"],
    )
    opinions = selectors.opinions_visible_to(actor=request.user, filters=filters)
    page = Paginator(opinions, 25).get_page(params["page"])
    kept = {
        k: v
        for k, v in {
            "state": filters.state,
            "station": filters.station or "",
            "category": filters.category,
            "submitted_from": filters.submitted_from.isoformat() if filters.submitted_from else "",
            "submitted_to": filters.submitted_to.isoformat() if filters.submitted_to else "",
            "q": filters.q,
        }.items()
        if v
    }
    return render(
        request,
        "liaison/work/inbox.html",
        {
            "page": page,
            "view": view,
            "filters": filters,
            "counts": selectors.work_counts(actor=request.user),
            "states": Opinion.State.choices,
            "categories": Category.choices,
            "stations": selectors.inbox_stations(actor=request.user),
            "filtered": bool(kept),
            "filter_query": urlencode(kept),
            "page_query": urlencode({**kept, "view": view}),
            "is_manager": can(request.user, "liaison.manage_station"),
        },
    )


def _opinion_workflow(name: str) -> Workflow[Opinion]:
    """The workflow an act of the opinion page belongs to: the handling, or the moderation."""
    for workflow in (OPINION, PUBLICATION):
        if name in workflow.acts:
            return workflow
    raise Http404


@login_required
def opinion_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        opinion = selectors.opinion_for(actor=request.user, pk=pk)
    except Opinion.DoesNotExist as exc:
        raise Http404 from exc
    return _render_detail(request, opinion)


# The main task of a work page, written in the wide column under the opinion or the appointment
# (答复群众, 公开答复, 登记接待情况); the other acts are cards of the side column.
MAIN_ACTS = frozenset({"answer", "publish", "receive"})


def _render_detail(
    request: AuthedRequest,
    opinion: Opinion,
    offered: list[OfferedAct] | None = None,
    status: int = 200,
    failed: str = "",
) -> HttpResponse:
    if offered is None:
        offered = offered_acts(request, OPINION, opinion) + offered_acts(request, PUBLICATION, opinion)
    return render(
        request,
        "liaison/work/opinion.html",
        {
            "opinion": opinion,
            "acts": offered,
            "main_acts": MAIN_ACTS,
            "failed": failed,
            "show_phone": can(request.user, "liaison.view_phone", opinion),
        },
        status=status,
    )


@login_required
@require_POST
def opinion_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    workflow = _opinion_workflow(action)
    try:
        opinion = selectors.opinion_for(actor=request.user, pk=pk)
    except Opinion.DoesNotExist as exc:
        raise Http404 from exc
    outcome = run_act(request, workflow, opinion, action, reload=lambda: _reloaded(opinion))
    if outcome.done:
        if can(request.user, "liaison.view_opinion", opinion):
            return redirect("liaison:opinion", pk=opinion.pk)
        return redirect("liaison:work")
    # The page offers both workflows' acts: the handling's first, then the moderation's.
    other = PUBLICATION if workflow is OPINION else OPINION
    others = offered_acts(request, other, opinion)
    offered = outcome.offered + others if workflow is OPINION else others + outcome.offered
    return _render_detail(request, opinion, offered, status=400, failed=action)


def _reloaded(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


@login_required
def moderation(request: AuthedRequest) -> HttpResponse:
    require(request.user, "liaison.moderate_opinion")
    return render(
        request, "liaison/work/moderation.html", {"opinions": selectors.moderation_queue(actor=request.user)}
    )


@login_required
def reception_days(request: AuthedRequest) -> HttpResponse:
    """接待日安排: the reception days of the stations the staff member manages."""
    require(request.user, "liaison.schedule_reception")
    return render(
        request,
        "liaison/work/reception_days.html",
        {
            "days": selectors.reception_days_for(actor=request.user),
            "stations": selectors.managed_stations(actor=request.user),
            "appointments": selectors.appointments_visible_to(actor=request.user).filter(
                state__in=(Appointment.State.PENDING, Appointment.State.CONFIRMED)
            ),
        },
    )


@login_required
def reception_day_new(request: AuthedRequest) -> HttpResponse:
    station_id = query_params(request.GET, station=IdParam())["station"]
    station = Station.objects.filter(pk=station_id).first() if station_id else None
    if station is None:
        raise Http404
    require(request.user, "liaison.schedule_reception", station)
    status = 200
    if request.method == "POST":
        form = ReceptionDayForm(request.POST, station=station)
        if form.is_valid():
            try:
                services.reception_day_schedule(actor=request.user, station=station, **form.cleaned_data)
            except ValidationError as error:
                errors_onto_form(form, error)
                status = 400
            else:
                messages.success(request, _("The reception day has been published."))
                return redirect("liaison:reception_days")
        else:
            status = 400
    else:
        form = ReceptionDayForm(station=station)
    return render(
        request, "liaison/work/reception_day_form.html", {"form": form, "station": station}, status=status
    )


@login_required
@require_POST
def reception_day_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    day = ReceptionDay.objects.select_related("station").filter(pk=pk).first()
    if day is None:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.reception_day_cancel(actor=request.user, day=day, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The reception day has been cancelled."))
    return redirect("liaison:reception_days")


@login_required
def appointment_detail(request: AuthedRequest, pk: int, action: str = "") -> HttpResponse:
    try:
        appointment = selectors.appointment_for(actor=request.user, pk=pk)
    except Appointment.DoesNotExist as exc:
        raise Http404 from exc
    if request.method != "POST":
        offered = offered_acts(request, APPOINTMENT, appointment)
        return render(
            request,
            "liaison/work/appointment.html",
            {"appointment": appointment, "acts": offered, "main_acts": MAIN_ACTS},
        )
    outcome = run_act(request, APPOINTMENT, appointment, action, reload=lambda: _reloaded(appointment))
    if outcome.done:
        return redirect("liaison:appointment", pk=pk)
    failed = next(item for item in outcome.offered if item.name == outcome.failed)
    if not failed.form.fields:  # a one-click act: its refusal is a message on the page
        messages.error(request, " ".join(str(error) for error in failed.form.non_field_errors()))
        return redirect("liaison:appointment", pk=pk)
    return render(
        request,
        "liaison/work/appointment.html",
        {"appointment": appointment, "acts": outcome.offered, "main_acts": MAIN_ACTS, "failed": action},
        status=400,
    )


@login_required
def station_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    station = Station.objects.filter(pk=pk).first()
    if station is None:
        raise Http404
    require(request.user, "liaison.manage_station", station)
    if request.method == "POST":
        form = StationForm(request.POST)
        if form.is_valid():
            services.station_update(actor=request.user, station=station, **form.cleaned_data)
            messages.success(request, _("The station's details have been saved."))
            return redirect("liaison:station", code=station.code)
    else:
        form = StationForm(
            initial={
                "phone": station.phone,
                "opening_hours": station.opening_hours,
                "directions": station.directions,
            }
        )
    return render(request, "liaison/work/station_form.html", {"form": form, "station": station})


@login_required
def attachment(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """An opinion's attachment, only to those who may see the opinion (never a public media URL)."""
    from django.http import FileResponse

    try:
        item = selectors.attachment_for(actor=request.user, pk=pk)
    except OpinionAttachment.DoesNotExist as exc:
        raise Http404 from exc
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="attachment-{item.pk}.{(item.file.name or "").rsplit(".", 1)[-1]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    """长者模式: larger text and higher contrast on the public pages, remembered for a year (cookie)."""
    params = query_params(request.POST, on=FlagParam(), next=TextParam(max_length=500))
    target = params["next"]
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not target.startswith("/"):
        target = reverse("liaison:portal")
    response = redirect(target)
    if params["on"]:
        response.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
