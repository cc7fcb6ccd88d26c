"""Pages of the budget module: 查询 (tables with drill-down, vouchers, Excel); the import pages are
:mod:`renda.budget.views.imports`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from renda.accounts.http import AuthedRequest
from renda.budget.amount_units import shown_unit
from renda.budget.forms import QueryForm
from renda.budget.models import AmountUnit, BudgetType, Payment
from renda.budget.selectors.query import (
    budget_table,
    fiscal_years,
    group_labels,
    labels_for,
    payment_detail,
    payments_list,
    payments_total,
    show_payee_accounts,
    voucher_list_names,
    voucher_names,
)
from renda.budget.selectors.reading import reader_amount_unit
from renda.core.excel import xlsx_response
from renda.core.masking import mask_personal
from renda.core.params import path_text

PAGE_SIZE = 50
# The most vouchers one Excel export holds (docs/operations.md): at 100,000 rows the workbook is
# written in seconds and streamed as it is made; past it the page asks for narrower filters.
VOUCHER_EXPORT_CAP = 100_000
VOUCHER_NO_MAX = Payment._meta.get_field("voucher_no").max_length or 40


def _filters(request: AuthedRequest):
    years = fiscal_years(actor=request.user)
    form = QueryForm(request.GET or None, years=years)
    if request.GET and "year" not in request.GET:
        data = request.GET.copy()
        data["year"] = str(form.years[0])
        form = QueryForm(data, years=years)
    return form, form.to_filter()


def _payee_name(payment: Payment, full: bool) -> str:
    if full or payment.payee_type != Payment.PayeeType.PERSON:
        return payment.payee_name
    return (payment.payee_name[:1] + "*" * (len(payment.payee_name) - 1)) if payment.payee_name else ""


@login_required
@never_cache
@require_GET
def query(request: AuthedRequest) -> HttpResponseBase:
    """查询: indicator, paid, balance and execution rate, grouped; every row drills down."""
    form, filters = _filters(request)
    table = budget_table(actor=request.user, filters=filters)
    group_label = group_labels()[table.filters.group]
    if request.GET.get("export") == "xlsx":
        unit = reader_amount_unit(actor=request.user)

        def rows():
            for row in [*table.rows, table.total]:
                yield [
                    row.label,
                    unit.convert(row.indicator),
                    unit.convert(row.paid),
                    unit.convert(row.balance),
                    row.rate,  # Decimal (or None): openpyxl writes it as a number
                    row.payments,
                ]

        return xlsx_response(
            filename=_("budget-execution-%(year)s.xlsx") % {"year": filters.year},
            fallback=f"budget-{filters.year}.xlsx",
            title=re.sub(r"[\\/*?:\[\]：]", " ", str(group_label)),
            headers=[
                str(group_label),
                unit.heading(_("Indicator")),
                unit.heading(_("Paid")),
                unit.heading(_("Balance")),
                _("Execution rate (%)"),
                _("Payments"),
            ],
            rows=rows(),
        )
    context = {
        "form": form,
        "table": table,
        "group_label": group_label,
        "export_query": urlencode({**table.filters.as_query(), "export": "xlsx"}),
        "vouchers_query": urlencode({k: v for k, v in table.filters.as_query().items() if k != "group"}),
        "breadcrumbs": _breadcrumbs(table.filters),
    }
    template = "budget/query.html#results" if request.htmx else "budget/query.html"
    return render(request, template, context)


def _breadcrumbs(filters) -> list[dict[str, str]]:
    """The drill path as links: the year's 类 table, then each narrowing step."""
    crumbs = [
        {
            "label": str(filters.year),
            "query": urlencode(
                filters.as_query(
                    function="",
                    econ="",
                    unit="",
                    project="",
                    budget_type=None,
                    date_from=None,
                    date_to=None,
                    group="function1" if filters.group.startswith("function") else filters.group,
                )
            ),
        }
    ]
    prefixes = [filters.function[:n] for n in (3, 5, 7) if filters.function and len(filters.function) >= n]
    names = labels_for("function1", filters.year, prefixes) if prefixes else {}
    if filters.function:
        for length in (3, 5, 7):
            if len(filters.function) >= length:
                prefix = filters.function[:length]
                crumbs.append(
                    {
                        "label": names.get(prefix, prefix),
                        "query": urlencode(
                            filters.as_query(
                                function=prefix,
                                group={3: "function2", 5: "function3", 7: "function3"}[length],
                            )
                        ),
                    }
                )
    if filters.unit:
        unit = labels_for("unit", filters.year, [filters.unit]).get(filters.unit, filters.unit)
        crumbs.append({"label": unit, "query": urlencode(filters.as_query(group="unit"))})
    if filters.econ:
        econ = labels_for("econ1", filters.year, [filters.econ]).get(filters.econ, filters.econ)
        crumbs.append({"label": econ, "query": urlencode(filters.as_query(group="econ2"))})
    if filters.project:
        project = labels_for("project", filters.year, [filters.project]).get(filters.project, filters.project)
        crumbs.append({"label": project, "query": urlencode(filters.as_query(group="project"))})
    return crumbs


@login_required
@never_cache
@require_GET
def vouchers(request: AuthedRequest) -> HttpResponseBase:
    """支付凭证: the vouchers behind a cell of the table."""
    form, filters = _filters(request)
    qs = payments_list(actor=request.user, filters=filters)
    full = show_payee_accounts(request.user)
    if request.GET.get("export") == "xlsx":
        _sum, count = payments_total(qs, filters)
        if count > VOUCHER_EXPORT_CAP:
            messages.warning(
                request,
                _(
                    "These filters match %(count)s vouchers; one Excel export holds at most %(cap)s. "
                    "Narrow the filters (a unit, a code or a date range) and export again."
                )
                % {"count": f"{count:,}", "cap": f"{VOUCHER_EXPORT_CAP:,}"},
            )
            page_query = {k: v for k, v in filters.as_query().items() if k != "group"}
            return redirect(f"{reverse('budget:vouchers')}?{urlencode(page_query)}")
        headers = [
            _("Voucher number"),
            _("Payment date"),
            _("Unit code"),
            _("Functional code"),
            _("Economic code"),
            _("Budget type"),
            _("Project code"),
            _("Indicator number"),
            _("Payee"),
            *([_("Payee account")] if full else []),
            shown_unit(AmountUnit.YUAN).heading(_("Amount")),  # a voucher's exact amount, in 元
            _("Payment method"),
            _("Purpose"),
        ]
        types = dict(BudgetType.choices)

        def export_rows() -> Iterator[list[Any]]:
            for p in qs.iterator(chunk_size=2000):
                yield [
                    p.voucher_no,
                    p.pay_date,
                    p.unit_code,
                    p.function_code,
                    p.econ_code,
                    str(types.get(p.budget_type, p.budget_type)),
                    p.project_code,
                    p.indicator_no,
                    _payee_name(p, full),
                    *([p.payee_account] if full else []),
                    p.amount,
                    p.pay_method,
                    p.purpose,
                ]

        return xlsx_response(
            filename=_("payment-vouchers-%(year)s.xlsx") % {"year": filters.year},
            fallback=f"vouchers-{filters.year}.xlsx",
            title=_("Vouchers"),
            headers=headers,
            rows=export_rows(),
        )
    total, count = payments_total(qs, filters)
    paginator = Paginator(qs, PAGE_SIZE)
    paginator.__dict__["count"] = count  # already counted with the total: no second COUNT(*)
    number = paginator.get_page(request.GET.get("page")).number  # (reads no row)
    # Only the rows up to this page are read: the database need not sort the whole list.
    newest = payments_list(actor=request.user, filters=filters, depth=number * PAGE_SIZE)
    paginator = Paginator(newest, PAGE_SIZE)
    paginator.__dict__["count"] = count
    page = paginator.get_page(number)
    query = {k: v for k, v in filters.as_query().items() if k != "group"}
    shown = list(page.object_list)
    names = voucher_list_names(actor=request.user, year=filters.year, payments=shown)
    rows = [
        {
            "p": p,
            "payee": _payee_name(p, full),
            "account": mask_personal(p.payee_account) if full and p.payee_account else "",
            "unit": names["unit"].get(p.unit_code, p.unit_code),
            "function": names["function"].get(p.function_code, p.function_code),
        }
        for p in shown
    ]
    return render(
        request,
        "budget/vouchers.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "total": total,
            "count": count,
            "show_accounts": full,
            "query": urlencode(query),
            "export_query": urlencode({**query, "export": "xlsx"}),
            "table_query": urlencode(filters.as_query()),
            "breadcrumbs": _breadcrumbs(filters),
        },
    )


@login_required
@never_cache
@require_GET
def voucher(request: AuthedRequest, year: int, voucher_no: str) -> HttpResponse:
    try:
        payment = payment_detail(
            actor=request.user, year=year, voucher_no=path_text(voucher_no, max_length=VOUCHER_NO_MAX)
        )
    except Payment.DoesNotExist:
        raise Http404 from None
    full = show_payee_accounts(request.user)
    _form, filters = _filters(request)
    list_query = {k: v for k, v in filters.as_query().items() if k != "group"}
    return render(
        request,
        "budget/voucher.html",
        {
            "p": payment,
            "payee": _payee_name(payment, full),
            "show_accounts": full,
            "account": payment.payee_account if full else "",
            "names": voucher_names(actor=request.user, payment=payment),
            # The drill path that led here (the list's filters travel with the voucher's link).
            "breadcrumbs": _breadcrumbs(filters) if request.GET else [],
            "list_query": urlencode(list_query) if request.GET else "",
        },
    )
