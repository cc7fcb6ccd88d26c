"""切换金额单位: the switch on every budget page with amounts (元 / 万元 / 亿元), remembered per person."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from renda.accounts.http import AuthedRequest
from renda.budget.services.reading import reader_amount_unit_set


def _back(request: AuthedRequest) -> str:
    target = request.POST.get("next", "")[:2000]
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("budget:query")


@login_required
@require_POST
def amount_unit(request: AuthedRequest) -> HttpResponse:
    """Remember the chosen unit and go back to the page the switch was on."""
    try:
        reader_amount_unit_set(actor=request.user, unit=request.POST.get("unit", "")[:10])
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponseRedirect(_back(request))
    response.status_code = 303
    return response


urlpatterns: list[URLPattern] = [path("amount-unit/", amount_unit, name="amount_unit")]
