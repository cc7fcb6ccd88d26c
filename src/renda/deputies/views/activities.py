"""代表活动的页面: the deputy's activities (phone first), the staff's list, detail, sign-in screen.

Thin: each view parses the request, calls one selector or service, renders. The QR sign-in screen
polls two partials with htmx (the code every 15 s, the counts every 3 s); the QR code is an SVG
drawn on the server, no script. Opening the QR code's URL signs the deputy in (``signin_scan``).
"""

from __future__ import annotations

import mimetypes
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renda.accounts.http import AuthedRequest
from renda.core.params import ChoiceParam, TextParam, query_params
from renda.core.permissions import can, require
from renda.core.views.acts import OfferedAct, offered_acts, run_act
from renda.core.workflow import errors_onto_form
from renda.deputies import forms_activities as f
from renda.deputies.activity_workflow import ACTIVITY, OPEN_STATES
from renda.deputies.ics import calendar_text
from renda.deputies.models import Deputy, Level
from renda.deputies.models.activities import Activity, ActivityKind, Invitation, seats_of
from renda.deputies.selectors import activities as selectors
from renda.deputies.services import activities as services

State = Activity.State


def _data(form: f.ActivityForm) -> services.ActivityData:
    d = form.cleaned_data
    return services.ActivityData(
        title=d["title"],
        kind=d["kind"],
        start_at=d["start_at"],
        end_at=d["end_at"],
        place=d["place"],
        agenda=d.get("agenda") or "",
        organiser_kind=d["organiser_kind"],
        group=d.get("group"),
        organiser_name=d.get("organiser_name") or "",
    )


# --- staff: list, create, edit ---------------------------------------------------------------------


@login_required
@require_GET
def activity_list(request: AuthedRequest) -> HttpResponse:
    params = query_params(
        request.GET,
        kind=ChoiceParam(ActivityKind.values),
        state=ChoiceParam(State.values),
        q=TextParam(max_length=50),
    )
    filters = selectors.ActivityFilter(kind=params["kind"], state=params["state"], q=params["q"])
    page = Paginator(selectors.activities_visible_to(actor=request.user, filters=filters), 30).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "filters": filters,
        "kinds": ActivityKind.choices,
        "states": State.choices,
        "may_create": can(request.user, "deputies.create_activity"),
    }
    template = "deputies/activities/list.html#results" if request.htmx else "deputies/activities/list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: AuthedRequest) -> HttpResponse:
    require(request.user, "deputies.create_activity")
    form = f.ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(actor=request.user, data=_data(form))
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request, _("The activity is saved as a draft. Invite deputies, then publish it.")
            )
            return redirect("deputies:activity", pk=activity.pk)
    status = 400 if form.errors else 200
    return render(request, "deputies/activities/form.html", {"form": form, "activity": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    initial = {
        "title": activity.title,
        "kind": activity.kind,
        "organiser_kind": activity.organiser_kind,
        "group": activity.group_id,
        "organiser_name": activity.organiser_name,
        "start_at": f.local_input(activity.start_at),
        "end_at": f.local_input(activity.end_at),
        "place": activity.place,
        "agenda": activity.agenda,
    }
    form = f.ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=request.user, activity=activity, data=_data(form))
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The activity is updated."))
            return redirect("deputies:activity", pk=activity.pk)
    status = 400 if form.errors else 200
    return render(
        request, "deputies/activities/form.html", {"form": form, "activity": activity}, status=status
    )


# --- the detail page (organiser and staff, or an invited deputy) -----------------------------------


def _station_choices() -> list[tuple[int, str]]:
    source = services.INVITEE_SOURCES.get("station")
    return source.choices() if source is not None else []


def _detail(
    request: AuthedRequest,
    activity: Activity,
    *,
    forms: list[OfferedAct] | None = None,
    failed: str = "",
    invite_form: f.InviteForm | None = None,
    answer_form: f.AnswerForm | None = None,
    file_form: f.FileForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    organiser = can(user, "deputies.organise_activity", activity)
    staff_view = can(user, "deputies.view_activities")
    mine = selectors.own_invitation(actor=user, activity=activity)
    context: dict[str, Any] = {
        "activity": activity,
        "organiser": organiser,
        "staff_view": staff_view,
        "mine": mine,
        "counts": selectors.attendance_counts(activity),
        "files": selectors.activity_files(actor=user, activity=activity),
        "failed": failed,
        "today": selectors.is_today(activity),
    }
    if staff_view:
        context["invitations"] = selectors.invitations_of(actor=user, activity=activity)
    if organiser:
        context["forms"] = forms if forms is not None else offered_acts(request, ACTIVITY, activity)
        context["may_invite"] = activity.state in OPEN_STATES
        context["invite_form"] = invite_form or f.InviteForm(station_choices=_station_choices())
        context["file_form"] = file_form or f.FileForm()
        context["levels"] = Level.choices
    if mine is not None:
        context["answer_form"] = answer_form or f.AnswerForm(
            initial={
                "answer": mine.answer if mine.answer != Invitation.Answer.PENDING else None,
                "reason": mine.reason,
            }
        )
        context["may_answer"] = (
            activity.state in (State.PUBLISHED, State.SIGNIN) and timezone.now() < activity.end_at
        )
    return render(request, "deputies/activities/detail.html", context, status=status)


@login_required
@require_GET
def activity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.activity_for(actor=request.user, pk=pk))


@login_required
@require_POST
def activity_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    outcome = run_act(
        request, ACTIVITY, activity, action, reload=lambda: selectors.activity_for(actor=request.user, pk=pk)
    )
    if outcome.done:
        if action == "open_signin":
            return redirect("deputies:activity_signin", pk=pk)
        return redirect("deputies:activity", pk=pk)
    fresh = selectors.activity_for(actor=request.user, pk=pk)
    return _detail(request, fresh, forms=outcome.offered, failed=outcome.failed, status=400)


@login_required
@require_POST
def activity_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    ids = [int(x) for x in request.POST.getlist("deputies") if x.isdigit() and len(x) < 19][:1000]
    form = f.InviteForm(request.POST, station_choices=_station_choices(), deputy_ids=ids)
    if form.is_valid():
        d = form.cleaned_data
        chosen: list[Deputy] = []
        if d.get("group"):
            chosen += list(selectors.deputies_of_group(d["group"].pk))
        if d.get("level"):
            chosen += list(selectors.deputies_of_level(d["level"]))
        if d.get("station"):
            chosen += list(services.INVITEE_SOURCES["station"].deputies(d["station"]))
        if d.get("deputies"):
            chosen += list(Deputy.objects.filter(pk__in=d["deputies"]))
        try:
            added = services.activity_invite(actor=request.user, activity=activity, deputies=chosen)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("%(n)s deputies invited.") % {"n": added})
            return redirect(reverse("deputies:activity", args=[pk]) + "#invitees")
    return _detail(request, activity, invite_form=form, status=400)


@login_required
@require_GET
def invitee_search(request: AuthedRequest, pk: int) -> HttpResponse:
    """The searchable choice of deputies (htmx): up to 30 serving deputies matching the words."""
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    params = query_params(request.GET, q=TextParam(max_length=30), level=ChoiceParam(Level.values))
    found = selectors.deputies_for_invitation(actor=request.user, q=params["q"], level=params["level"])
    invited = set(activity.invitations.values_list("deputy_id", flat=True))
    return render(
        request,
        "deputies/activities/invitee_choices.html",
        {"found": found, "invited": invited, "q": params["q"]},
    )


@login_required
@require_POST
def invitation_remove(request: AuthedRequest, pk: int, invitation: int) -> HttpResponse:
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    inv = selectors.invitation_for(actor=request.user, activity=activity, pk=invitation)
    try:
        services.invitation_remove(actor=request.user, invitation=inv)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation of %(name)s is withdrawn.") % {"name": inv.deputy.name})
    return redirect(reverse("deputies:activity", args=[pk]) + "#invitees")


@login_required
@require_POST
def invitation_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_for(actor=request.user, pk=pk)
    mine = selectors.own_invitation(actor=request.user, activity=activity)
    if mine is None:
        raise PermissionDenied(_("You are not invited to this activity."))
    form = f.AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_answer(
                actor=request.user,
                invitation=mine,
                answer=form.cleaned_data["answer"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            answer = form.cleaned_data["answer"]
            messages.success(
                request,
                _("Your leave request is sent to the organiser.")
                if answer == Invitation.Answer.LEAVE
                else _("Thank you: you will attend."),
            )
            return redirect("deputies:activity", pk=pk)
    return _detail(request, activity, answer_form=form, status=400)


@login_required
@require_POST
def leave_decide(request: AuthedRequest, pk: int, invitation: int) -> HttpResponse:
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    inv = selectors.invitation_for(actor=request.user, activity=activity, pk=invitation)
    form = f.LeaveDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or refuse."))
        return redirect(reverse("deputies:activity", args=[pk]) + "#invitees")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.invitation_decide_leave(
            actor=request.user, invitation=inv, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(
            request,
            _("Refusing leave needs a note for the deputy.")
            if "leave_note" in getattr(error, "error_dict", {})
            else " ".join(error.messages),
        )
        return _detail(request, activity, status=400)
    messages.success(
        request,
        (_("The leave of %(name)s is approved.") if approve else _("The leave of %(name)s is refused."))
        % {"name": inv.deputy.name},
    )
    return redirect(reverse("deputies:activity", args=[pk]) + "#invitees")


@login_required
@require_POST
def staff_sign_in(request: AuthedRequest, pk: int, invitation: int) -> HttpResponse:
    """补签 with the reason."""
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    inv = selectors.invitation_for(actor=request.user, activity=activity, pk=invitation)
    form = f.StaffSignInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for signing in by hand."))
        return _detail(request, activity, status=400)
    try:
        services.invitation_sign_in_by_staff(
            actor=request.user, invitation=inv, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail(request, activity, status=400)
    messages.success(request, _("%(name)s is signed in.") % {"name": inv.deputy.name})
    if request.POST.get("next") == "signin":
        return redirect("deputies:activity_signin", pk=pk)
    return redirect(reverse("deputies:activity", args=[pk]) + "#invitees")


@login_required
@require_POST
def sign_out(request: AuthedRequest, pk: int) -> HttpResponse:
    """中途退场 (the deputy's own)."""
    activity = selectors.activity_for(actor=request.user, pk=pk)
    mine = selectors.own_invitation(actor=request.user, activity=activity)
    if mine is None:
        raise PermissionDenied(_("You are not invited to this activity."))
    try:
        services.invitation_sign_out(actor=request.user, invitation=mine)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail(request, activity, status=400)
    messages.success(request, _("Leaving early is recorded."))
    return redirect("deputies:activity", pk=pk)


@login_required
@require_POST
def file_add(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    form = f.FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.activity_file_add(
                actor=request.user,
                activity=activity,
                upload=form.cleaned_data["upload"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The file is added."))
            return redirect(reverse("deputies:activity", args=[pk]) + "#files")
    return _detail(request, activity, file_form=form, status=400)


@login_required
@never_cache
@require_GET
def file_download(request: AuthedRequest, pk: int) -> FileResponse:
    stored = selectors.activity_file_for(actor=request.user, pk=pk)
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    inline = content_type.startswith("image/") or content_type == "application/pdf"
    response = FileResponse(handle, as_attachment=not inline, filename=stored.name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the sign-in screen and the scan ---------------------------------------------------------------


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return image.to_string(encoding="unicode")


def _signin_context(request: AuthedRequest, activity: Activity) -> dict[str, Any]:
    token = services.signin_token(activity)
    url = request.build_absolute_uri(reverse("deputies:activity_scan", args=[token]))
    opens, closes = services.signin_window(activity)
    return {
        "activity": activity,
        "qr": _qr_svg(url),
        "scan_url": url,
        "counts": selectors.attendance_counts(activity),
        "opens": opens,
        "closes": closes,
    }


@login_required
@never_cache
@require_GET
def signin_screen(request: AuthedRequest, pk: int) -> HttpResponse:
    """签到屏: the QR code (a new one every 15 s) and 应到/实到/请假, for the organiser."""
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    if activity.state != State.SIGNIN:
        messages.info(request, _("Open the sign-in first."))
        return redirect("deputies:activity", pk=pk)
    context = _signin_context(request, activity)
    context["invitations"] = selectors.invitations_of(actor=request.user, activity=activity)
    return render(request, "deputies/activities/signin.html", context)


@login_required
@never_cache
@require_GET
def signin_qr(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    return render(request, "deputies/activities/signin.html#qr", _signin_context(request, activity))


@login_required
@never_cache
@require_GET
def signin_counts(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_to_organise(actor=request.user, pk=pk)
    context = {
        "activity": activity,
        "counts": selectors.attendance_counts(activity),
        "invitations": selectors.invitations_of(actor=request.user, activity=activity),
    }
    return render(request, "deputies/activities/signin.html#live", context)


@login_required
@never_cache
@require_GET
def signin_scan(request: AuthedRequest, token: str) -> HttpResponse:
    """The URL in the QR code: the deputy who opens it (signed in to Renda) is signed in to the activity."""
    try:
        invitation = services.activity_sign_in(actor=request.user, token=token)
    except services.SignInRefused as refusal:
        activity = None
        if refusal.code in ("replayed", "already", "window", "state"):
            activity = services.activity_for_token(token)
        return render(
            request,
            "deputies/activities/scanned.html",
            {
                "ok": False,
                "message": refusal.messages[0],
                "code": refusal.code,
                "activity": activity,
                "already": refusal.code in ("replayed", "already"),
            },
            status=refusal.status,
        )
    return render(
        request,
        "deputies/activities/scanned.html",
        {"ok": True, "activity": invitation.activity, "invitation": invitation},
    )


# --- the deputy's own pages ------------------------------------------------------------------------


@login_required
@require_GET
def my_activities(request: AuthedRequest) -> HttpResponse:
    """我的活动 (phone first): today's activity first, then the coming ones, then the past."""
    invitations = selectors.my_activities(actor=request.user)
    now = timezone.now()
    today = [
        i for i in invitations if selectors.is_today(i.activity, now) and i.activity.state != State.CANCELLED
    ]
    coming = [i for i in invitations if i not in today and i.activity.start_at > now]
    past = [i for i in invitations if i not in today and i not in coming][:30]
    return render(
        request,
        "deputies/activities/mine.html",
        {
            "today": today,
            "coming": coming,
            "past": past,
            "reminders": selectors.recent_reminders(actor=request.user),
            "now": now,
        },
    )


def _host(request: HttpRequest) -> str:
    return request.get_host().split(":")[0] or "renda"


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def activity_ics(request: AuthedRequest, pk: int) -> HttpResponse:
    """The activity as an .ics file (for the phone's calendar)."""
    activity = selectors.activity_for(actor=request.user, pk=pk)
    url = request.build_absolute_uri(reverse("deputies:activity", args=[pk]))
    return _ics_response(calendar_text([(activity, url)], host=_host(request)), f"activity-{pk}.ics")


def _own_seat(request: AuthedRequest) -> Deputy:
    seat = seats_of(request.user).select_related("term").order_by("-term__start_date").first()
    if seat is None:
        raise PermissionDenied(_("Your account is not linked to a deputy; ask the deputy affairs office."))
    return seat


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_calendar(request: AuthedRequest) -> HttpResponse:
    """个人日历订阅: the deputy's private feed address, made, remade (revoking the old) or revoked."""
    seat = _own_seat(request)
    if request.method == "POST":
        if request.POST.get("do") == "revoke":
            services.calendar_feed_revoke(actor=request.user, deputy=seat)
            messages.success(
                request, _("The calendar address is revoked; calendar apps no longer see your activities.")
            )
        else:
            had_one = selectors.calendar_feed_of(actor=request.user, deputy=seat) is not None
            services.calendar_feed_reset(actor=request.user, deputy=seat)
            messages.success(
                request,
                _("A new calendar address is made; the old one no longer works.")
                if had_one
                else _("Your calendar address is made: add it to your calendar app."),
            )
        return redirect("deputies:my_calendar")
    feed = selectors.calendar_feed_of(actor=request.user, deputy=seat)
    url = request.build_absolute_uri(reverse("deputies:calendar_feed", args=[feed.token])) if feed else ""
    return render(request, "deputies/activities/calendar.html", {"feed": feed, "feed_url": url, "seat": seat})


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCal feed (no sign-in: calendar apps fetch it by its secret address)."""
    found = selectors.feed_activities(token)
    if found is None:
        raise Http404
    deputy, activities = found
    base = request.build_absolute_uri("/")[:-1]
    pairs = [(a, base + reverse("deputies:activity", args=[a.pk])) for a in activities]
    name = _("%(name)s's activities") % {"name": deputy.name}
    return _ics_response(calendar_text(pairs, host=_host(request), name=name), "activities.ics")
