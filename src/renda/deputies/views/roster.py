"""代表名册: the roster (current seats by default), a person's seats across terms, accounts, Excel."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from renda.accounts.http import AuthedRequest
from renda.core.excel import xlsx_response
from renda.core.params import ChoiceParam, FlagParam, IdParam, TextParam, query_params
from renda.core.permissions import can, require
from renda.deputies.models import Deputy, Level, Person, Term
from renda.deputies.selectors import (
    DeputyFilter,
    affairs_offices,
    deputies_visible_to,
    groups_for,
    person_history,
    person_of,
)
from renda.deputies.services.roster import ACCOUNTS_AT_ONCE, deputy_accounts_create


def _filters(request: HttpRequest) -> DeputyFilter:
    params = query_params(
        request.GET,
        term=IdParam(),
        level=ChoiceParam(Level.values),
        group=IdParam(),
        q=TextParam(max_length=50),
        former=FlagParam(),
        grouped=FlagParam(),
    )
    return DeputyFilter(
        term_id=params["term"],
        level=params["level"],
        group_id=params["group"],
        q=params["q"],
        former=params["former"],
        grouped=params["grouped"],
    )


EXPORT_HEADERS = (
    pgettext_lazy("roster column", "Name"),
    pgettext_lazy("roster column", "Gender"),
    pgettext_lazy("roster column", "Ethnicity"),
    pgettext_lazy("roster column", "Party"),
    pgettext_lazy("roster column", "Workplace and post"),
    pgettext_lazy("roster column", "Delegation or group"),
    pgettext_lazy("roster column", "Constituency"),
    pgettext_lazy("roster column", "Mobile phone"),
    pgettext_lazy("roster column", "Term"),
    pgettext_lazy("roster column", "Deputy number"),
    pgettext_lazy("roster column", "Seat"),
)


def _export(request: AuthedRequest, deputies: Any) -> HttpResponseBase:
    full_phone = can(request.user, "deputies.view_deputy_phone")
    rows = (
        [
            d.name,
            d.person.get_gender_display(),
            d.ethnicity,
            d.party,
            d.workplace,
            d.group.name if d.group else "",
            d.region.name,
            d.phone if full_phone else d.phone_masked,
            d.term.name,
            d.number,
            d.span_label or (_("serving") if d.is_active else _("ended")),
        ]
        for d in deputies.iterator(chunk_size=500)
    )
    return xlsx_response(
        filename=_("deputy-roster-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"},
        fallback="deputies.xlsx",
        title=_("Deputies"),
        headers=[str(h) for h in EXPORT_HEADERS],
        rows=rows,
        footer=_("Exported on %(date)s") % {"date": timezone.localdate()},
    )


@login_required
def deputy_list(request: AuthedRequest) -> HttpResponseBase:
    filters = _filters(request)
    deputies = deputies_visible_to(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        return _export(request, deputies)
    page = Paginator(deputies, 50).get_page(request.GET.get("page"))
    staff_view = can(request.user, "deputies.view_deputies")
    context = {
        "page": page,
        "filters": filters,
        "terms": Term.objects.order_by("-start_date") if staff_view else Term.objects.none(),
        "groups": groups_for(actor=request.user, term_id=filters.term_id) if staff_view else [],
        "levels": Level.choices,
        "show_phone": can(request.user, "deputies.view_deputy_phone"),
        "manage_accounts": can(request.user, "deputies.manage_accounts"),
        "querystring": _querystring(request),
        "accounts_at_once": ACCOUNTS_AT_ONCE,
    }
    template = "deputies/deputy_list.html#results" if request.htmx else "deputies/deputy_list.html"
    return render(request, template, context)


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    return params.urlencode()


@login_required
def person_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """一人的履职经历: the person's seats across terms (任职至 … for a partial one)."""
    person = get_object_or_404(Person.objects.select_related("user"), pk=pk)
    seats = person_history(actor=request.user, person=person)
    context = {
        "person": person,
        "seats": seats,
        "show_phone": can(request.user, "deputies.view_deputy_phone"),
        "manage_accounts": can(request.user, "deputies.manage_accounts"),
    }
    return render(request, "deputies/person_detail.html", context)


@login_required
@require_POST
def accounts_create(request: AuthedRequest) -> HttpResponse:
    """开户: accounts for the chosen deputies or a whole group; the slips are this response only."""
    require(request.user, "deputies.manage_accounts")
    seat_ids = [int(v) for v in request.POST.getlist("seat") if v.isdigit()][: ACCOUNTS_AT_ONCE + 1]
    group_id = request.POST.get("group", "")
    seats: list[Deputy]
    if group_id.isdigit():
        seats = list(Deputy.objects.filter(group_id=int(group_id), is_active=True).order_by("number"))
    else:
        seats = list(Deputy.objects.filter(pk__in=seat_ids).order_by("term", "number"))
    try:
        slips = deputy_accounts_create(actor=request.user, seats=seats)
    except ValidationError as exc:
        return render(
            request,
            "error.html",
            {"status": 400, "title": _("No accounts were created"), "message": " ".join(exc.messages)},
            status=400,
        )
    response = render(
        request,
        "deputies/account_slips.html",
        {
            "slips": slips,
            "created": sum(1 for s in slips if s.created),
            "offices": affairs_offices(),
            "login_url": request.build_absolute_uri("/accounts/login/"),
        },
    )
    # The initial passwords are in this page only: never kept by a cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


def no_seat_response(request: AuthedRequest, *, status: int = 403) -> HttpResponse:
    """无代表身份: a deputy account that is not linked to a serving seat is told why and whom to ask."""
    person = person_of(request.user)
    last_seat = (
        Deputy.objects.filter(person=person).select_related("term").order_by("-term__start_date").first()
        if person is not None
        else None
    )
    return render(
        request,
        "deputies/no_seat.html",
        {"person": person, "last_seat": last_seat, "offices": affairs_offices()},
        status=status,
    )
