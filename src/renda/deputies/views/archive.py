"""履职档案: the deputy's own archive (phone first), an entry and its review, the staff's review list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from renda.accounts.http import AuthedRequest
from renda.core.excel import xlsx_response
from renda.core.params import ChoiceParam, FlagParam, IdParam, TextParam, query_params
from renda.core.pdf import pdf_response, render_pdf
from renda.core.permissions import can, require
from renda.core.roles import Role
from renda.core.views.acts import offered_acts, run_act
from renda.core.workflow import errors_onto_form
from renda.deputies.forms import ArchiveEntryForm
from renda.deputies.models import Deputy, Level
from renda.deputies.models.archive import ArchiveEntry, ReviewState, Section
from renda.deputies.selectors import groups_for, seat_of
from renda.deputies.selectors.archive import (
    ArchiveFilter,
    archive_duplicates,
    archive_entries_for_staff,
    archive_entry_for,
    evidence_for,
    my_archive,
    term_archive,
)
from renda.deputies.services import archive as services
from renda.deputies.views.roster import no_seat_response
from renda.deputies.workflow import ARCHIVE_REVIEW


def _entry(request: AuthedRequest, pk: int) -> ArchiveEntry:
    try:
        return archive_entry_for(actor=request.user, pk=pk)
    except ArchiveEntry.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def my_archive_page(request: AuthedRequest) -> HttpResponse:
    """我的履职档案: counts by section, the calendar of active months, the entries, what to fix."""
    if request.user.role == Role.DEPUTY and seat_of(request.user) is None:
        return no_seat_response(request)
    params = query_params(request.GET, section=ChoiceParam(Section.values))
    archive = my_archive(actor=request.user, section=params["section"], page=request.GET.get("page"))
    return render(
        request,
        "deputies/archive/mine.html",
        {"archive": archive, "sections": Section.choices, "section": params["section"]},
    )


@login_required
def archive_pdf(request: AuthedRequest, seat_pk: int) -> HttpResponse:
    """一人一档 (PDF): the seat's term archive with a cover page, CJK fonts embedded, fit to print."""
    seat = get_object_or_404(Deputy.objects.select_related("person", "term", "group", "region"), pk=seat_pk)
    archive = term_archive(actor=request.user, seat=seat)
    labels = dict(Section.choices)
    sections = [(labels[value], entries, len(entries)) for value, entries in archive.sections]
    pdf = render_pdf(
        "deputies/pdf/archive.html",
        {"seat": seat, "sections": sections, "total": archive.total, "today": timezone.localdate()},
    )
    return pdf_response(
        pdf, filename=f"履职档案-{seat.name}-{seat.term.name}.pdf", fallback="archive.pdf", inline=True
    )


@login_required
def entry_create(request: AuthedRequest) -> HttpResponse:
    if request.user.role == Role.DEPUTY and seat_of(request.user) is None:
        return no_seat_response(request)
    require(request.user, "deputies.archive_add")
    form = ArchiveEntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            entry = services.archive_entry_create(
                actor=request.user,
                kind=d["kind"],
                date=d["date"],
                title=d["title"],
                text=d["text"],
                files=d["files"],
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Your entry has been sent for review."))
            return redirect("deputies:archive_entry", entry.pk)
    status = 400 if form.errors else 200
    return render(request, "deputies/archive/form.html", {"form": form, "entry": None}, status=status)


@login_required
def entry_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    require(request.user, "deputies.archive_edit", entry)
    initial = {"kind": entry.kind, "date": entry.date, "title": entry.title, "text": entry.text}
    form = ArchiveEntryForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        remove = [int(v) for v in request.POST.getlist("remove") if v.isdigit()][:20]
        try:
            services.archive_entry_update(
                actor=request.user,
                entry=entry,
                kind=d["kind"],
                date=d["date"],
                title=d["title"],
                text=d["text"],
                files=d["files"],
                remove=remove,
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Your correction has been sent for review."))
            return redirect("deputies:archive_entry", entry.pk)
    status = 400 if form.errors else 200
    return render(request, "deputies/archive/form.html", {"form": form, "entry": entry}, status=status)


STEP_LABELS = {
    "submit": pgettext_lazy("archive step", "Reported"),
    "update": pgettext_lazy("archive step", "Corrected"),
    "check": pgettext_lazy("archive step", "Passed the first review"),
    "approve": pgettext_lazy("archive step", "Approved"),
    "return": pgettext_lazy("archive step", "Returned"),
}


def _entry_page(request: AuthedRequest, entry: ArchiveEntry, forms: list, status: int = 200) -> HttpResponse:
    staff = can(request.user, "deputies.archive_view_staff")
    return render(
        request,
        "deputies/archive/entry.html",
        {
            "entry": entry,
            "forms": forms,
            "steps": [(s, STEP_LABELS.get(s.action, s.action)) for s in entry.steps.all()],
            "warnings": archive_duplicates([entry]).get(entry.pk, []) if staff else [],
            "can_edit": can(request.user, "deputies.archive_edit", entry),
        },
        status=status,
    )


@login_required
def entry_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    return _entry_page(request, entry, offered_acts(request, ARCHIVE_REVIEW, entry))


@login_required
@require_POST
def entry_act(request: AuthedRequest, pk: int, name: str) -> HttpResponse:
    entry = _entry(request, pk)
    outcome = run_act(request, ARCHIVE_REVIEW, entry, name, reload=lambda: _entry(request, pk))
    if outcome.done:
        return redirect("deputies:archive_review")
    return _entry_page(request, _entry(request, pk), outcome.offered, status=400)


@login_required
def evidence_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """佐证材料: streamed only after the permission check on its entry."""
    try:
        evidence = evidence_for(actor=request.user, pk=pk)
        handle = evidence.file.open("rb")
    except (ObjectDoesNotExist, FileNotFoundError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=not evidence.is_image, filename=evidence.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


ARCHIVE_EXPORT_HEADERS = (
    pgettext_lazy("archive column", "Deputy"),
    pgettext_lazy("archive column", "Group"),
    pgettext_lazy("archive column", "Date"),
    pgettext_lazy("archive column", "Section"),
    pgettext_lazy("archive column", "Kind"),
    pgettext_lazy("archive column", "Title"),
    pgettext_lazy("archive column", "Review"),
    pgettext_lazy("archive column", "Reason for returning"),
)


def _staff_filters(request: HttpRequest) -> ArchiveFilter:
    p = query_params(
        request.GET,
        state=ChoiceParam(ReviewState.values),
        group=IdParam(),
        level=ChoiceParam(Level.values),
        section=ChoiceParam(Section.values),
        q=TextParam(max_length=50),
        all=FlagParam(),
    )
    return ArchiveFilter(
        state=p["state"],
        group_id=p["group"],
        level=p["level"],
        section=p["section"],
        q=p["q"],
        self_reported=not p["all"],
    )


@login_required
def review_list(request: AuthedRequest) -> HttpResponseBase:
    """档案审核: the entries a reviewer may see, filtered; batch approval; Excel export."""
    filters = _staff_filters(request)
    entries = archive_entries_for_staff(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        rows = (
            [
                e.seat.name,
                e.seat.group.name if e.seat.group else "",
                e.date,
                e.get_section_display(),
                e.get_kind_display(),
                e.title,
                e.get_state_display(),
                e.return_reason,
            ]
            for e in entries.iterator(chunk_size=500)
        )
        return xlsx_response(
            filename=_("deputy-archive-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"},
            fallback="archive.xlsx",
            title=_("Performance archive"),
            headers=[str(h) for h in ARCHIVE_EXPORT_HEADERS],
            rows=rows,
            footer=_("Exported on %(date)s") % {"date": timezone.localdate()},
        )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    items = list(page.object_list)
    querystring = request.GET.copy()
    querystring.pop("page", None)
    querystring.pop("format", None)
    return render(
        request,
        "deputies/archive/review.html",
        {
            "page": page,
            "items": items,
            "warnings": archive_duplicates(items),
            "filters": filters,
            "states": ReviewState.choices,
            "sections": Section.choices,
            "groups": groups_for(actor=request.user) if can(request.user, "deputies.view_deputies") else [],
            "querystring": querystring.urlencode(),
            "can_manage_reviewers": can(request.user, "deputies.manage_reviewers"),
            # a group's reviewer does the first step only: no box to tick on an entry awaiting the final
            "can_final_review": can(request.user, "deputies.archive_view_all"),
        },
    )


@login_required
@require_POST
def review_batch_approve(request: AuthedRequest) -> HttpResponse:
    """批量通过: every chosen entry at the version the reviewer saw, or none."""
    pairs: list[tuple[ArchiveEntry, int]] = []
    for value in request.POST.getlist("entry")[:200]:
        pk, _sep, version = value.partition(":")
        if not (pk.isdigit() and version.isdigit()):
            continue
        pairs.append((_entry(request, int(pk)), int(version)))
    try:
        n = services.archive_entries_approve(actor=request.user, entries=pairs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s entries reviewed.") % {"n": n})
    return redirect(f"{request.path.rsplit('approve/', 1)[0]}?{request.POST.get('back', '')}")
