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
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit import ALL
from django_ratelimit.core import get_usage, is_ratelimited

from renda.accounts.models import Region
from renda.core.params import ChoiceParam, IdParam, TextParam, path_text, query_params
from renda.core.permissions import can, require
from renda.liaison import selectors, services
from renda.liaison.forms import (
    AcceptForm,
    AnswerForm,
    AppointmentForm,
    ConfirmForm,
    FollowForm,
    MergeForm,
    NoteForm,
    OpinionForm,
    PublishForm,
    RateForm,
    ReasonForm,
    ReceiveForm,
    ReceptionDayForm,
    ReferForm,
    StationForm,
)
from renda.liaison.models import Appointment, Opinion, OpinionAttachment, ReceptionDay, Station

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


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


# --- the public portal ---------------------------------------------------------------------------


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
                try:
                    appointment = services.appointment_book(
                        day=day, **{k: form.cleaned_data[k] for k in ("name", "phone", "topic")}
                    )
                except ValidationError as error:
                    _apply_errors(form, error)
                    status = 400
                else:
                    request.session[SESSION_NEW_CODE] = {
                        "kind": "appointment",
                        "code": appointment.code_display,
                    }
                    return redirect("liaison:done")
        else:
            status = 400
    else:
        form = AppointmentForm()
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
                    )
                except ValidationError as error:
                    _apply_errors(form, error)
                    status = 400
                else:
                    request.session[SESSION_NEW_CODE] = {"kind": "opinion", "code": opinion.code_display}
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
    return render(request, "liaison/write.html", {"form": form}, status=status)


def done(request: HttpRequest) -> HttpResponse:
    """The tracking code, shown once after submitting."""
    new = request.session.pop(SESSION_NEW_CODE, None)
    if not new:
        return redirect("liaison:follow")
    return render(request, "liaison/done.html", {"new": new})


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
    context = {"form": form, "item": item, "rate_form": RateForm()}
    if isinstance(item, Opinion):
        context["kind"] = "opinion"
        context["answer_source"] = item.merged_into if item.state == Opinion.State.MERGED else item
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
            services.opinion_rate(opinion=item, satisfaction=form.cleaned_data["satisfaction"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you for rating the answer."))
    else:
        messages.error(request, _("Choose satisfied or not satisfied."))
    return redirect("liaison:follow")


@require_POST
def follow_forget(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_FOLLOW, None)
    return redirect("liaison:follow")


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
def work(request: HttpRequest) -> HttpResponse:
    """意见办理: the actor's inbox — the opinions of their stations, their own, their department's."""
    params = query_params(
        request.GET,
        view=ChoiceParam(("open", "done", "overdue", "all"), default="open"),
        state=ChoiceParam(Opinion.State.values),
        station=IdParam(),
        q=TextParam(max_length=50),
    )
    view = params["view"]
    filters = selectors.OpinionFilter(
        state=params["state"],
        station=params["station"],
        overdue=view == "overdue",
        q=params["q"],
        view=view if view in ("open", "done") else "",
    )
    opinions = selectors.opinions_visible_to(actor=request.user, filters=filters)
    page = Paginator(opinions, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "liaison/work/inbox.html",
        {
            "page": page,
            "view": view,
            "filters": filters,
            "counts": selectors.work_counts(actor=request.user),
            "notifications": selectors.notifications_for(actor=request.user, limit=8),
            "states": Opinion.State.choices,
            "is_manager": can(request.user, "liaison.manage_station"),
        },
    )


ACTIONS: dict[str, tuple[type, Callable[..., Opinion], str]] = {
    "accept": (AcceptForm, services.opinion_accept, _("The opinion has been accepted.")),
    "reject": (ReasonForm, services.opinion_reject, _("The opinion has not been accepted.")),
    "refer": (ReferForm, services.opinion_refer, _("The opinion has been referred to the department.")),
    "handle_directly": (
        NoteForm,
        services.opinion_handle_directly,
        _("You are answering the opinion directly."),
    ),
    "start": (NoteForm, services.opinion_start, _("Handling has started.")),
    "answer": (AnswerForm, services.opinion_answer, _("The answer has been sent.")),
    "close": (NoteForm, services.opinion_close, _("The opinion has been closed.")),
    "merge": (MergeForm, services.opinion_merge, _("The opinion has been merged.")),
    "publish": (PublishForm, services.opinion_publish, _("Published on the public listing.")),
    "withhold": (ReasonForm, services.opinion_withhold, _("Kept off the public listing.")),
}
_ACTION_PERMS = {
    "accept": "liaison.accept_opinion",
    "reject": "liaison.reject_opinion",
    "refer": "liaison.refer_opinion",
    "handle_directly": "liaison.handle_directly",
    "start": "liaison.start_opinion",
    "answer": "liaison.answer_opinion",
    "close": "liaison.close_opinion",
    "merge": "liaison.merge_opinion",
    "publish": "liaison.moderate_opinion",
    "withhold": "liaison.moderate_opinion",
}
_ACTION_STATES = {
    "accept": {Opinion.State.PENDING},
    "reject": {Opinion.State.PENDING, Opinion.State.ACCEPTED},
    "merge": {Opinion.State.PENDING, Opinion.State.ACCEPTED},
    "refer": {Opinion.State.ACCEPTED},
    "handle_directly": {Opinion.State.ACCEPTED},
    "start": {Opinion.State.REFERRED},
    "answer": {Opinion.State.PROCESSING},
    "close": {Opinion.State.ANSWERED},
}


def _forms_for(
    request: HttpRequest, opinion: Opinion, bound: tuple[str, Any] | None = None
) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name, (form_class, _service, _msg) in ACTIONS.items():
        if name in _ACTION_STATES and opinion.state not in _ACTION_STATES[name]:
            continue
        if name == "publish" and opinion.publication not in (
            Opinion.Publication.QUEUED,
            Opinion.Publication.WITHHELD,
        ):
            continue
        if name == "withhold" and opinion.publication not in (
            Opinion.Publication.QUEUED,
            Opinion.Publication.PUBLISHED,
        ):
            continue
        if not can(request.user, _ACTION_PERMS[name], opinion):
            continue
        kwargs: dict[str, Any] = {"prefix": name}
        if name == "merge":
            kwargs["candidates"] = selectors.merge_candidates(actor=request.user, opinion=opinion)
        if name == "publish":
            kwargs["initial"] = {
                "public_content": opinion.public_content,
                "public_answer": opinion.public_answer,
            }
        if bound and bound[0] == name:
            forms[name] = bound[1]
        else:
            forms[name] = form_class(**kwargs)
    return forms


@login_required
def opinion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        opinion = selectors.opinion_for(actor=request.user, pk=pk)
    except Opinion.DoesNotExist as exc:
        raise Http404 from exc
    return _render_detail(request, opinion)


def _render_detail(
    request: HttpRequest, opinion: Opinion, bound: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "liaison/work/opinion.html",
        {
            "opinion": opinion,
            "forms": _forms_for(request, opinion, bound),
            "show_phone": can(request.user, "liaison.view_phone", opinion),
        },
        status=status,
    )


@login_required
@require_POST
def opinion_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    try:
        opinion = selectors.opinion_for(actor=request.user, pk=pk)
    except Opinion.DoesNotExist as exc:
        raise Http404 from exc
    form_class, service_fn, success = ACTIONS[action]
    kwargs: dict[str, Any] = {"prefix": action}
    if action == "merge":
        kwargs["candidates"] = selectors.merge_candidates(actor=request.user, opinion=opinion)
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if action == "start":
            data.pop("note", None)
        try:
            service_fn(actor=request.user, opinion=opinion, **data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, success)
            if can(request.user, "liaison.view_opinion", opinion):
                return redirect("liaison:opinion", pk=opinion.pk)
            return redirect("liaison:work")
    opinion.refresh_from_db()
    return _render_detail(request, opinion, (action, form), status=400)


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    require(request.user, "liaison.moderate_opinion")
    return render(
        request, "liaison/work/moderation.html", {"opinions": selectors.moderation_queue(actor=request.user)}
    )


@login_required
def reception_days(request: HttpRequest) -> HttpResponse:
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
def reception_day_new(request: HttpRequest) -> HttpResponse:
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
                _apply_errors(form, error)
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
def reception_day_cancel(request: HttpRequest, pk: int) -> HttpResponse:
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


APPOINTMENT_ACTIONS: dict[str, tuple[type | None, Callable[..., Appointment], str]] = {
    "confirm": (ConfirmForm, services.appointment_confirm, _("The appointment has been confirmed.")),
    "reject": (ReasonForm, services.appointment_reject, _("The appointment has been declined.")),
    "receive": (ReceiveForm, services.appointment_receive, _("Recorded: what was raised is now an opinion.")),
    "no_show": (None, services.appointment_no_show, _("Recorded as not come.")),
}


@login_required
def appointment_detail(request: HttpRequest, pk: int, action: str = "") -> HttpResponse:
    try:
        appointment = selectors.appointment_for(actor=request.user, pk=pk)
    except Appointment.DoesNotExist as exc:
        raise Http404 from exc
    bound: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if action not in APPOINTMENT_ACTIONS:
            raise Http404
        form_class, service_fn, success = APPOINTMENT_ACTIONS[action]
        form = form_class(request.POST, prefix=action) if form_class else None
        if form is None or form.is_valid():
            try:
                service_fn(actor=request.user, appointment=appointment, **(form.cleaned_data if form else {}))
            except ValidationError as error:
                if form is None:
                    messages.error(request, " ".join(error.messages))
                    return redirect("liaison:appointment", pk=pk)
                _apply_errors(form, error)
            else:
                messages.success(request, success)
                return redirect("liaison:appointment", pk=pk)
        bound[action] = form
        status = 400
        appointment.refresh_from_db()
    forms = {}
    allowed = services.APPOINTMENT_TRANSITIONS[appointment.state]
    targets = {"confirm": "confirmed", "reject": "rejected", "receive": "received", "no_show": "no_show"}
    day = appointment.reception_day
    for name, (form_class, _fn, _msg) in APPOINTMENT_ACTIONS.items():
        if targets[name] in allowed:
            initial = (
                {"time": day.start_time}
                if name == "confirm"
                else {"raised": appointment.topic}
                if name == "receive"
                else {}
            )
            forms[name] = bound.get(name) or (
                form_class(prefix=name, initial=initial) if form_class else None
            )
    return render(
        request, "liaison/work/appointment.html", {"appointment": appointment, "forms": forms}, status=status
    )


@login_required
def station_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """An opinion's attachment, only to those who may see the opinion (never a public media URL)."""
    from django.http import FileResponse

    try:
        item = selectors.attachment_for(actor=request.user, pk=pk)
    except OpinionAttachment.DoesNotExist as exc:
        raise Http404 from exc
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="attachment-{item.pk}.{item.file.name.rsplit(".", 1)[-1]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(actor=request.user)
    return redirect(reverse("liaison:work"))
