"""函询 pages: the letters a unit answers online, and the budget staff's list of letters.

A unit clerk opens a letter addressed to their organisation, reads it (and its PDF), writes the
reply and attaches files; the budget staff review the reply here or on the finding's page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from renda.accounts.http import AuthedRequest
from renda.budget.models import Inquiry, InquiryAttachment
from renda.budget.selectors import inquiries as selectors
from renda.budget.services.findings import letter_title
from renda.budget.views.replies import act_on_finding, file_after_check, visible_or_404
from renda.budget.workflow import FINDING
from renda.core.params import ChoiceParam, query_params
from renda.core.permissions import can, require
from renda.core.views.acts import OfferedAct, offered_acts

# The acts offered on a letter's page (the others are on the finding's page, for the staff).
LETTER_ACTS = ("unit_reply", "accept_reply", "return_reply")


@login_required
@never_cache
@require_GET
def inquiries(request: AuthedRequest) -> HttpResponse:
    """函询: the letters to answer (a unit clerk) or every letter with its deadline (budget staff)."""
    require(request.user, "budget.view_inquiries")
    due = query_params(request.GET, due=ChoiceParam(("soon", "overdue", "open")))["due"]
    rows = selectors.inquiries_visible_to(actor=request.user)
    if due == "open":
        rows = [r for r in rows if r.open]
    elif due == "soon":
        rows = [r for r in rows if r.due_soon]
    elif due == "overdue":
        rows = [r for r in rows if r.overdue]
    return render(
        request,
        "budget/inquiries/list.html",
        {"rows": rows, "staff": can(request.user, "budget.view_findings"), "due": due},
    )


def _inquiry(request: AuthedRequest, pk: int) -> Inquiry:
    return visible_or_404(lambda: selectors.inquiry_for(actor=request.user, pk=pk), Inquiry)


def _page(
    request: AuthedRequest, inquiry: Inquiry, forms: list[OfferedAct], *, status: int = 200, failed: str = ""
) -> HttpResponse:
    forms = [item for item in forms if item.name in LETTER_ACTS]
    context = {
        "q": inquiry,
        "row": selectors.inquiry_row(actor=request.user, inquiry=inquiry),
        "history": selectors.inquiry_history(actor=request.user, inquiry=inquiry),
        "attachments": list(inquiry.attachments.all()),
        "forms": forms,
        "failed": failed,
        "staff": can(request.user, "budget.view_findings"),
        "letter_title": letter_title(inquiry.finding),
    }
    return render(request, "budget/inquiries/detail.html", context, status=status)


@login_required
@never_cache
@require_GET
def inquiry(request: AuthedRequest, pk: int) -> HttpResponse:
    q = _inquiry(request, pk)
    return _page(request, q, offered_acts(request, FINDING, q.finding))


@login_required
@require_POST
def inquiry_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """Answer (a unit clerk), accept or return (budget staff) the reply: the service decides."""
    if action not in LETTER_ACTS:
        raise Http404
    q = _inquiry(request, pk)
    return act_on_finding(
        request,
        q.finding,
        action,
        reload=lambda: _inquiry(request, pk).finding,
        done=reverse("budget:inquiry", args=[pk]),
        failed_page=lambda offered, failed: _page(request, _inquiry(request, pk), offered, failed=failed),
    )


@login_required
@never_cache
@require_GET
def inquiry_attachment(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A file the unit attached to its reply, after the permission check."""
    return file_after_check(
        lambda: selectors.attachment_for(actor=request.user, pk=pk),
        InquiryAttachment,
        lambda attachment: (attachment.file, attachment.name),
    )


urlpatterns: list[URLPattern] = [
    path("inquiries/", inquiries, name="inquiries"),
    path("inquiries/<int:pk>/", inquiry, name="inquiry"),
    path("inquiries/<int:pk>/act/<slug:action>/", inquiry_act, name="inquiry_act"),
    path("inquiries/files/<int:pk>/", inquiry_attachment, name="inquiry_attachment"),
]
