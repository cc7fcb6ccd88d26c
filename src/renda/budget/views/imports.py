"""Pages of the budget import: 数据导入 (upload a file, imported in the background), a batch and
its progress bar. The upload goes through the import service's one door
(:func:`renda.budget.services.imports.budget_import`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from renda.accounts.http import AuthedRequest
from renda.budget.forms import UploadForm
from renda.budget.models import ImportBatch
from renda.budget.selectors.query import import_batch, recent_batches
from renda.budget.services.imports import budget_import


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def imports(request: AuthedRequest) -> HttpResponseBase:
    """数据导入: upload a file (or a Fiscal Data Package as a .zip); its import runs in the background.
    A package's inferred mapping is shown, in Chinese, on the batch's page."""
    batches = recent_batches(actor=request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        imported = budget_import(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            year=form.cleaned_data["year"],
            source=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
            file_format=form.file_format(),
            budget_type=str(form.cleaned_data.get("budget_type") or ""),
            background=True,
        )
        return redirect("budget:import_detail", pk=imported.batch.pk)
    status = 400 if form.errors else 200
    return render(request, "budget/imports.html", {"form": form, "batches": batches}, status=status)


def _batch(request: AuthedRequest, pk: int) -> ImportBatch:
    try:
        return import_batch(actor=request.user, pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


@login_required
@never_cache
@require_GET
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "budget/import_detail.html", {"batch": _batch(request, pk)})


@login_required
@never_cache
@require_GET
def import_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress bar alone (htmx polls it until the import has finished)."""
    return render(request, "budget/import_detail.html#progress", {"batch": _batch(request, pk)})
