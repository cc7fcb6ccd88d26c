"""工作日历: the year view for everyone signed in, and the administrators' edit and import pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from renda.core import services
from renda.core.forms import EARLIEST_DATE, LATEST_DATE, CalendarDayForm, CalendarImportForm
from renda.core.http import AuthedRequest
from renda.core.models import CalendarDay
from renda.core.params import DateParam, IntParam, query_params
from renda.core.permissions import can, require
from renda.core.selectors import calendar_year

EDIT_PERM = "core.edit_calendar"
MIN_YEAR, MAX_YEAR = 2000, 2100

# Column names as the import report shows them.
IMPORT_FIELD_LABELS = {
    "file": pgettext_lazy("calendar import field", "file"),
    "header": pgettext_lazy("calendar import field", "header"),
    "columns": pgettext_lazy("calendar import field", "columns"),
    "date": pgettext_lazy("calendar import field", "date"),
    "kind": pgettext_lazy("calendar import field", "kind"),
    "festival": pgettext_lazy("calendar import field", "festival"),
}


def _year(request: HttpRequest) -> int:
    """``?year=`` if it is one the calendar shows, else this year."""
    year = query_params(request.GET, year=IntParam(min_value=MIN_YEAR, max_value=MAX_YEAR))["year"]
    return year or timezone.localdate().year


def _year_url(year: int) -> str:
    return f"{reverse('core:calendar')}?year={year}"


@login_required
def calendar_view(request: AuthedRequest) -> HttpResponse:
    """年视图: twelve month grids, the legend, and the year's exception days."""
    year = _year(request)
    data = calendar_year(actor=request.user, year=year)
    can_edit = can(request.user, EDIT_PERM)
    context = {
        "cal": data,
        "can_edit": can_edit,
        "previous_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
        "this_year": timezone.localdate().year,
        "day_form": CalendarDayForm(prefix="day") if can_edit else None,
        "import_form": CalendarImportForm(prefix="import", initial={"year": year}) if can_edit else None,
    }
    return render(request, "core/calendar/year.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: AuthedRequest) -> HttpResponse:
    """设置例外日: add or change one exception day (GET ?date=YYYY-MM-DD prefills it)."""
    if request.method == "POST":
        form = CalendarDayForm(request.POST, prefix="day")
        if form.is_valid():
            try:
                day = services.calendar_day_set(
                    actor=request.user,
                    date=form.cleaned_data["date"],
                    kind=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(date)s has been saved in the working calendar.") % {"date": day.date.isoformat()},
                )
                return redirect(_year_url(day.date.year))
        require(request.user, EDIT_PERM)
        existing = None
    else:
        require(request.user, EDIT_PERM)
        date = query_params(request.GET, date=DateParam(min_value=EARLIEST_DATE, max_value=LATEST_DATE))[
            "date"
        ]
        existing = CalendarDay.objects.filter(date=date).first() if date else None
        if existing is not None:
            form = CalendarDayForm(
                prefix="day", initial={"date": existing.date, "kind": existing.kind, "name": existing.name}
            )
        else:
            form = CalendarDayForm(prefix="day", initial={"date": date})
    status = 400 if form.errors else 200
    return render(request, "core/calendar/edit.html", {"form": form, "existing": existing}, status=status)


@login_required
@require_POST
def calendar_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    """删除例外日."""
    day = get_object_or_404(CalendarDay, pk=pk)
    year, date = day.date.year, day.date
    services.calendar_day_remove(actor=request.user, day=day)
    messages.success(request, _("%(date)s is an ordinary day again.") % {"date": date.isoformat()})
    return redirect(_year_url(year))


@login_required
@require_http_methods(["GET", "POST"])
def calendar_import(request: AuthedRequest) -> HttpResponse:
    """导入节假日安排: upload a year's CSV; show every bad line, or the counts when it loaded."""
    result = problems = None
    rejected = 0
    if request.method == "POST":
        form = CalendarImportForm(request.POST, request.FILES, prefix="import")
        if form.is_valid():
            try:
                result = services.calendar_import(
                    actor=request.user,
                    file=form.cleaned_data["file"],
                    year=form.cleaned_data["year"],
                )
                form = CalendarImportForm(prefix="import", initial={"year": form.cleaned_data["year"]})
            except services.CalendarImportError as error:
                problems = [
                    {"line": p.line, "field": IMPORT_FIELD_LABELS.get(p.field, p.field), "message": p.message}
                    for p in error.problems
                ]
                rejected = error.rejected
        else:
            require(request.user, EDIT_PERM)
    else:
        require(request.user, EDIT_PERM)
        form = CalendarImportForm(prefix="import", initial={"year": _year(request)})
    context = {"form": form, "result": result, "problems": problems, "rejected": rejected}
    status = 400 if problems or form.errors else 200
    return render(request, "core/calendar/import.html", context, status=status)
