"""The pages of a person's notification settings and of the administrator (role defaults, delivery log)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from renda.accounts.http import AuthedRequest
from renda.core.excel import xlsx_response
from renda.core.masking import mask_personal
from renda.core.params import ChoiceParam, DateParam, TextParam, query_params
from renda.core.permissions import can, require
from renda.core.roles import Role
from renda.notifications import preferences as prefs
from renda.notifications import selectors, services, wechat
from renda.notifications.forms import ChannelGridForm, CodeForm, field_name
from renda.notifications.kinds import CHANNELS, kind_label
from renda.notifications.models import Delivery
from renda.notifications.selectors import DeliveryFilter


@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    """通知设置: the person's channels per kind, digest and quiet hours; their phone's verification."""
    require(request.user, "notifications.set_preferences")
    kinds = prefs.configurable_kinds()
    current = prefs.preferences_of(actor=request.user)
    own = prefs.settings_of(request.user)
    initial: dict[str, Any] = {"quiet_start": own.quiet_start, "quiet_end": own.quiet_end}
    for row in current:
        for channel in row.channels:
            initial[field_name(row.kind.name, channel)] = True
        initial[field_name(row.kind.name, "digest")] = row.digest
    form = ChannelGridForm(request.POST or None, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            prefs.preferences_save(
                actor=request.user,
                choices=form.choices(),
                quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:preferences")
    response = render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "phone_masked": request.user.phone_masked,
            "phone_verified": prefs.phone_is_verified(request.user),
            "wechat_bound": bool(own.wechat_openid),
            "wechat_masked": mask_personal(own.wechat_openid) if own.wechat_openid else "",
            "wechat_bound_at": own.wechat_bound_at,
            "wechat_available": wechat.binding_available(),
            "code_form": CodeForm(),
        },
        status=400 if request.method == "POST" else 200,
    )
    if wechat.binding_available():
        # The bind button's form is answered by a redirect to WeChat's authorisation page: the
        # browser follows it only if the page's form-action allows that origin.
        response._csp_update = {"form-action": [wechat.authorize_origin()]}  # type: ignore[attr-defined]
    return response


@login_required
@require_POST
def phone_code_send(request: AuthedRequest) -> HttpResponse:
    try:
        masked = prefs.phone_verification_start(actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A code has been sent to %(phone)s.") % {"phone": masked})
    return redirect("notifications:preferences")


@login_required
@require_POST
def phone_code_confirm(request: AuthedRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            prefs.phone_verification_confirm(actor=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your mobile number is verified: SMS notices can reach you."))
    else:
        messages.error(request, _("Enter the six digits of the code."))
    return redirect("notifications:preferences")


ROLES = [Role.ADMIN, Role.STAFF, Role.DEPUTY, Role.UNIT_HANDLER]


@login_required
def role_defaults(request: AuthedRequest) -> HttpResponse:
    """The administrator's default channels of each kind for one role."""
    require(request.user, "notifications.manage_defaults")
    params = query_params(request.GET, role=ChoiceParam([r.value for r in ROLES], default=Role.DEPUTY.value))
    role = request.POST.get("role") if request.method == "POST" else params["role"]
    if role not in {r.value for r in ROLES}:
        role = Role.DEPUTY.value
    kinds = prefs.configurable_kinds()
    stored = prefs.role_defaults_of(actor=request.user, role=role)
    initial = {field_name(k, c): True for k, channels in stored.items() for c in channels}
    form = ChannelGridForm(request.POST or None, kinds=kinds, personal=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        prefs.role_defaults_save(
            actor=request.user, role=role, choices={k: v[0] for k, v in form.choices().items()}
        )
        messages.success(request, _("The defaults of %(role)s have been saved.") % {"role": Role(role).label})
        return redirect(f"{request.path}?role={role}")
    return render(
        request,
        "notifications/role_defaults.html",
        {"form": form, "role": role, "roles": [(r.value, r.label) for r in ROLES]},
    )


@login_required
def deliveries(request: AuthedRequest) -> HttpResponseBase:
    """投递记录: every message's status per recipient and channel, filtered, exported to Excel."""
    if not can(request.user, "notifications.view_deliveries"):
        raise PermissionDenied
    params = query_params(
        request.GET,
        channel=ChoiceParam(Delivery.Channel.values),
        status=ChoiceParam(Delivery.Status.values),
        kind=TextParam(max_length=60),
        q=TextParam(max_length=50),
        since=DateParam(),
        until=DateParam(),
        export=ChoiceParam(["xlsx"]),
        section=ChoiceParam(["failures"]),
    )
    filters = DeliveryFilter(
        channel=params["channel"], status=params["status"], kind=params["kind"], q=params["q"],
        since=params["since"], until=params["until"],
    )  # fmt: skip
    if params["section"] == "failures":
        failures = Paginator(selectors.failures_visible_to(actor=request.user), 50).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "notifications/deliveries.html",
            {
                "section": "failures",
                "failures": failures,
                "open_failures": selectors.failures_visible_to(actor=request.user, open_only=True).count(),
            },
        )
    rows = selectors.deliveries_visible_to(actor=request.user, filters=filters)
    if params["export"] == "xlsx":
        return _export(rows)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    counts = selectors.delivery_counts(actor=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/deliveries.html",
        {
            "page": page,
            "filters": filters,
            "channels": Delivery.Channel.choices,
            "statuses": Delivery.Status.choices,
            "status_counts": [(label, counts.get(value, 0)) for value, label in Delivery.Status.choices],
            "query": query.urlencode(),
            "open_failures": selectors.failures_visible_to(actor=request.user, open_only=True).count(),
        },
    )


def _export(rows: Any) -> HttpResponseBase:
    headers = [
        _("Created"), _("Recipient"), _("Kind"), _("Channel"), _("Address"), _("Status"), _("Attempts"),
        _("Sent"), _("Gateway code"), _("Reason"), _("Notice"),
    ]  # fmt: skip

    def data():  # type: ignore[no-untyped-def]
        for d in rows.iterator(chunk_size=2000):
            yield [
                timezone.localtime(d.created_at).strftime("%Y-%m-%d %H:%M"),
                d.recipient.display_name if d.recipient_id else _("no account"),
                kind_label(d.kind),
                str(CHANNELS.get(d.channel, d.channel)),
                d.address_masked,  # never the address in clear
                d.get_status_display(),
                d.attempts,
                timezone.localtime(d.sent_at).strftime("%Y-%m-%d %H:%M") if d.sent_at else "",
                d.gateway_code,
                d.reason,
                # A citizen's text holds their tracking code: with the number's last digits it
                # would open their opinion, so the log names its kind only.
                d.shown_text if d.recipient_id else "",
            ]

    return xlsx_response(
        filename=_("message-deliveries-%(date)s.xlsx") % {"date": timezone.localdate()},
        fallback="deliveries.xlsx",
        title=_("Message deliveries"),
        headers=headers,
        rows=data(),
        footer=_("Exported on %(date)s") % {"date": timezone.localdate()},
    )


# --- WeChat: binding by 网页授权, and the official account's event push ----------------------------


def _callback_uri(request: AuthedRequest) -> str:
    path = reverse("notifications:wechat_callback")
    site = (getattr(settings, "RENDA_SITE_URL", "") or "").rstrip("/")
    return f"{site}{path}" if site else request.build_absolute_uri(path)


def _wechat_refused(request: AuthedRequest, error: ValidationError) -> HttpResponse:
    return render(request, "notifications/wechat_refused.html", {"reasons": error.messages}, status=400)


@login_required
@require_POST
def wechat_bind_start(request: AuthedRequest) -> HttpResponse:
    """绑定微信: off to WeChat's authorisation page (silent in WeChat's browser), back to the callback."""
    try:
        url = wechat.authorize_url(
            actor=request.user, session=request.session, redirect_uri=_callback_uri(request)
        )
    except ValidationError as error:
        return _wechat_refused(request, error)
    return HttpResponseRedirect(url)


@login_required
def wechat_callback(request: AuthedRequest) -> HttpResponse:
    """WeChat sends the person back here with ``code`` and the state Renda gave."""
    params = query_params(request.GET, code=TextParam(max_length=128), state=TextParam(max_length=128))
    try:
        wechat.check_state(actor=request.user, session=request.session, state=params["state"])
        if not params["code"]:
            raise ValidationError(_("WeChat did not allow the binding. Start it again if you want it."))
        openid = wechat.exchange_code(params["code"])
        wechat.wechat_bind(actor=request.user, openid=openid)
    except ValidationError as error:
        return _wechat_refused(request, error)
    messages.success(request, _("Your WeChat is bound: notices can reach you there."))
    return redirect("notifications:preferences")


@login_required
@require_POST
def wechat_unbind(request: AuthedRequest) -> HttpResponse:
    if wechat.wechat_unbind(actor=request.user):
        messages.success(request, _("Your WeChat is no longer bound."))
    return redirect("notifications:preferences")


@csrf_exempt
def wechat_events(request: HttpRequest) -> HttpResponse:
    """The official account's server address (服务器配置): WeChat's check (GET, ``echostr``) and its
    event push (POST) — the receipts of subscription notices. Only WeChat's signature gets in."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    if not wechat.signature_valid(
        signature=request.GET.get("signature", "")[:64],
        timestamp=request.GET.get("timestamp", "")[:20],
        nonce=request.GET.get("nonce", "")[:64],
    ):
        return HttpResponseForbidden(
            _("The signature is not WeChat's."), content_type="text/plain; charset=utf-8"
        )
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", "")[:128], content_type="text/plain")
    try:
        root = wechat.parse_event(request.body)
    except wechat.BadEvent:
        return HttpResponseBadRequest(
            _("This is not an event of WeChat's."), content_type="text/plain; charset=utf-8"
        )
    wechat.event_receive(root)
    return HttpResponse("success", content_type="text/plain")


# --- failed notifications (the delivery log's section) ------------------------------------------------


@login_required
@require_POST
def failure_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    """再试 a failed notification (administrators)."""
    if not can(request.user, "notifications.retry_failures"):
        raise PermissionDenied
    failure = selectors.failure_visible_to(actor=request.user, pk=pk)
    if failure is None:
        raise Http404
    try:
        count, error = services.notify_failure_retry(actor=request.user, failure=failure)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        if error:
            messages.error(request, _("Trying again failed as well (%(error)s).") % {"error": error})
        else:
            messages.success(request, _("Tried again: %(count)s notices written.") % {"count": count})
    return redirect(f"{reverse('notifications:deliveries')}?section=failures")
