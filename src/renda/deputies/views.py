"""代表名册: the deputies' roster."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from renda.core.permissions import can
from renda.deputies.models import Level, Term
from renda.deputies.selectors import DeputyFilter, deputies_visible_to


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def deputy_list(request: HttpRequest) -> HttpResponse:
    filters = DeputyFilter(
        term_id=_int_or_none(request.GET.get("term")),
        level=request.GET.get("level", "") if request.GET.get("level") in Level.values else "",
        q=request.GET.get("q", "").strip()[:50],
    )
    deputies = deputies_visible_to(actor=request.user, filters=filters)
    page = Paginator(deputies, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "terms": Term.objects.order_by("-start_date"),
        "levels": Level.choices,
        "show_phone": can(request.user, "deputies.view_deputy_phone"),
    }
    template = "deputies/deputy_list.html#results" if request.htmx else "deputies/deputy_list.html"
    return render(request, template, context)
