"""初审人: the office assigns who reviews a group's self-reported archive entries first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renda.accounts.http import AuthedRequest
from renda.core.permissions import require
from renda.core.workflow import errors_onto_form
from renda.deputies.forms import GroupReviewerForm
from renda.deputies.models import DeputyGroup, GroupReviewer
from renda.deputies.selectors.reviewers import (
    groups_with_reviewers,
    reviewer_assignment_for,
    reviewer_candidates,
)
from renda.deputies.services import reviewers as services


@login_required
def reviewers_page(request: AuthedRequest) -> HttpResponse:
    """初审人设置: every group of the current terms, its reviewers, and the form to add one."""
    require(request.user, "deputies.manage_reviewers")
    groups = groups_with_reviewers(actor=request.user)
    form = GroupReviewerForm(
        request.POST or None,
        groups=DeputyGroup.objects.filter(term__is_current=True).select_related("term"),
        users=reviewer_candidates(actor=request.user),
        initial={"group": request.GET.get("group")} if request.GET.get("group", "").isdigit() else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            reviewer = services.group_reviewer_add(
                actor=request.user, group=form.cleaned_data["group"], user=form.cleaned_data["user"]
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s now reviews the entries of %(group)s first.")
                % {"name": reviewer.user, "group": reviewer.group},
            )
            return redirect("deputies:archive_reviewers")
    status = 400 if form.errors else 200
    return render(request, "deputies/archive/reviewers.html", {"groups": groups, "form": form}, status=status)


@login_required
@require_POST
def reviewer_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        reviewer = reviewer_assignment_for(actor=request.user, pk=pk)
    except GroupReviewer.DoesNotExist as exc:
        raise Http404 from exc
    services.group_reviewer_remove(actor=request.user, reviewer=reviewer)
    messages.success(
        request,
        _("%(name)s no longer reviews %(group)s.") % {"name": reviewer.user, "group": reviewer.group},
    )
    return redirect("deputies:archive_reviewers")
