"""代表名册: the deputies' roster."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from renda.accounts.http import AuthedRequest
from renda.core.params import ChoiceParam, IdParam, TextParam, query_params
from renda.core.permissions import can
from renda.deputies.models import Level, Term
from renda.deputies.selectors import DeputyFilter, deputies_visible_to


@login_required
def deputy_list(request: AuthedRequest) -> HttpResponse:
    params = query_params(
        request.GET, term=IdParam(), level=ChoiceParam(Level.values), q=TextParam(max_length=50)
    )
    filters = DeputyFilter(term_id=params["term"], level=params["level"], q=params["q"])
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
