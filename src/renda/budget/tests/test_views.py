"""查询 pages: who may see them, drill-down to one voucher, Excel totals, the upload flow."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from renda.accounts.models import Role
from renda.budget.models import ImportBatch, Payment
from renda.budget.tests.conftest import PAYMENTS, YEAR
from renda.core.masking import mask_personal

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.parametrize("url_name", ["budget:query", "budget:vouchers", "budget:imports"])
def test_citizens_and_unit_handlers_are_refused(client_for, citizen_user, unit_user, loaded_year, url_name):
    for user in (citizen_user, unit_user):
        assert client_for(user).get(reverse(url_name), {"year": YEAR}).status_code == 403


def test_staff_outside_the_budget_committee_are_refused(client_for, staff_user, loaded_year):
    assert client_for(staff_user).get(reverse("budget:query")).status_code == 403
    assert client_for(staff_user).get(reverse("budget:voucher", args=[YEAR, "PZ001"])).status_code == 403


def test_the_finance_feed_cannot_use_the_pages(client_for, finance_feed_user, loaded_year):
    assert client_for(finance_feed_user).get(reverse("budget:query")).status_code == 403


def test_deputies_read_without_payee_accounts_and_cannot_import(client_for, deputy_user, loaded_year):
    client = client_for(deputy_user)
    page = client.get(reverse("budget:vouchers"), {"year": YEAR})
    assert page.status_code == 200
    body = page.content.decode()
    assert "PZ001" in body and "6222020000001234" not in body and "1234" not in body.split("PZ001")[1][:400]
    assert "张三丰" not in body  # an individual payee's name is masked for deputies
    detail = client.get(reverse("budget:voucher", args=[YEAR, "PZ001"])).content.decode()
    assert "6222020000001234" not in detail and 'data-testid="voucher-account"' not in detail
    export = client.get(reverse("budget:vouchers"), {"year": YEAR, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).worksheets[0]
    assert "6222020000001234" not in str([list(r) for r in sheet.iter_rows(values_only=True)])
    assert client.get(reverse("budget:imports")).status_code == 403


def test_budget_staff_see_payee_accounts_masked(client_for, budget_staff, loaded_year):
    body = client_for(budget_staff).get(reverse("budget:vouchers"), {"year": YEAR}).content.decode()
    assert mask_personal("6222020000001234") in body and "6222020000001234" not in body
    detail = client_for(budget_staff).get(reverse("budget:voucher", args=[YEAR, "PZ001"])).content.decode()
    assert "6222020000001234" in detail


def _rows(response):
    return response.context["table"].rows


def test_drill_from_a_class_down_to_one_voucher(client_for, budget_staff, loaded_year):
    client = client_for(budget_staff)
    url = reverse("budget:query")
    top = client.get(url, {"year": YEAR})
    assert top.status_code == 200
    classes = {r.key: r for r in _rows(top)}
    assert set(classes) == {"205", "210"}
    education = classes["205"]
    assert education.indicator == Decimal("620000.00") and education.paid == Decimal("131200.50")
    assert education.balance == Decimal("488799.50") and education.rate == Decimal("21.2")
    sections = {r.key: r for r in _rows(client.get(url, education.drill))}
    assert set(sections) == {"20501", "20502"}
    items = _rows(client.get(url, sections["20502"].drill))
    assert [r.key for r in items] == ["2050201"] and items[0].drill is None
    vouchers = client.get(reverse("budget:vouchers"), items[0].vouchers)
    assert [r["p"].voucher_no for r in vouchers.context["rows"]] == ["PZ002", "PZ001"]
    one = client.get(reverse("budget:voucher", args=[YEAR, "PZ001"]))
    assert one.status_code == 200 and b"30,000.00" in one.content


def test_department_drills_to_its_units(client_for, budget_staff, loaded_year):
    client = client_for(budget_staff)
    top = {
        r.key: r for r in _rows(client.get(reverse("budget:query"), {"year": YEAR, "group": "department"}))
    }
    assert set(top) == {"101", "102"} and top["101"].paid == Decimal("131200.50")
    units = {r.key: r.paid for r in _rows(client.get(reverse("budget:query"), top["101"].drill))}
    assert units == {"101": Decimal("100000.00"), "101001": Decimal("31200.50")}


def test_month_drills_to_days_from_the_payments(client_for, budget_staff, loaded_year):
    client = client_for(budget_staff)
    months = {r.key: r for r in _rows(client.get(reverse("budget:query"), {"year": YEAR, "group": "month"}))}
    assert set(months) == {"3", "4", "5"}
    days = client.get(reverse("budget:query"), months["3"].drill)
    assert days.context["table"].source == "payments"
    assert {r.key: r.paid for r in _rows(days)} == {
        "2025-03-01": Decimal("30000.00"),
        "2025-03-15": Decimal("1200.50"),
    }


def test_filters_narrow_the_paid_figures(client_for, budget_staff, loaded_year):
    client = client_for(budget_staff)
    table = client.get(reverse("budget:query"), {"year": YEAR, "payee": "建设", "amount_min": "100"}).context[
        "table"
    ]
    assert table.total.paid == Decimal("30000.00") and table.source == "payments"
    table = client.get(reverse("budget:query"), {"year": YEAR, "budget_type": "2", "econ": "302"}).context[
        "table"
    ]
    assert table.total.paid == Decimal("5000.00") and table.source == "summary"
    table = client.get(reverse("budget:query"), {"year": YEAR, "as_of": "2025-03-31"}).context["table"]
    assert table.total.paid == Decimal("31200.50")
    table = client.get(reverse("budget:query"), {"year": YEAR, "unit": "101"}).context["table"]
    assert table.total.paid == Decimal("131200.50")


def test_the_excel_export_totals_equal_the_page(client_for, budget_staff, loaded_year):
    client = client_for(budget_staff)
    page = client.get(reverse("budget:query"), {"year": YEAR})
    response = client.get(reverse("budget:query"), {"year": YEAR, "export": "xlsx"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    total = rows[-1]
    assert Decimal(str(total[2])) == page.context["table"].total.paid
    assert Decimal(str(total[1])) == page.context["table"].total.indicator


def test_the_query_page_costs_a_constant_number_of_queries(
    client_for, budget_staff, loaded_year, django_assert_max_num_queries
):
    client = client_for(budget_staff)
    with django_assert_max_num_queries(20):
        client.get(reverse("budget:query"), {"year": YEAR, "group": "function3"})
    with django_assert_max_num_queries(20):
        client.get(reverse("budget:vouchers"), {"year": YEAR})


def test_an_unknown_voucher_is_not_found(client_for, budget_staff, loaded_year):
    assert client_for(budget_staff).get(reverse("budget:voucher", args=[YEAR, "NOPE"])).status_code == 404


def test_budget_staff_upload_a_file_and_follow_its_progress(
    client_for, budget_staff, loaded_year, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    settings.DATA_DIR = tmp_path
    client = client_for(budget_staff)
    text = "\n".join(
        ",".join(r)
        for r in [
            *PAYMENTS,
            [
                "PZ010",
                "2025-06-01",
                "102",
                "21004",
                "30217",
                "1",
                "",
                "",
                "某公司",
                "",
                "单位",
                "10.00",
                "",
                "",
            ],
        ]
    )
    upload = SimpleUploadedFile("payments.csv", text.encode("utf-8"), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("budget:imports"), {"kind": "payments", "year": YEAR, "file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("id")
    assert response["Location"] == reverse("budget:import_detail", args=[batch.pk])
    assert (batch.status, batch.inserted, batch.unchanged, batch.progress) == ("applied", 1, 4, 100)
    assert batch.actor == budget_staff and not list(tmp_path.glob("budget-imports/*"))
    progress = client.get(reverse("budget:import_progress", args=[batch.pk]))
    assert b'data-status="applied"' in progress.content and b"hx-trigger" not in progress.content
    assert Payment.objects.filter(voucher_no="PZ010").exists()


def test_an_upload_with_bad_rows_shows_them(
    client_for, budget_staff, loaded_year, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    settings.DATA_DIR = tmp_path
    text = ",".join(PAYMENTS[0]) + "\nPZ9,2025-13-01,102,21004,,1,,,,,,1.00,,\n"
    upload = SimpleUploadedFile("bad.csv", text.encode("gb18030"))
    client = client_for(budget_staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("budget:imports"), {"kind": "payments", "year": YEAR, "file": upload})
    batch = ImportBatch.objects.latest("id")
    page = client.get(reverse("budget:import_detail", args=[batch.pk]))
    assert batch.status == "rejected" and page.content.count(b'data-testid="import-error"') == 1


def test_deputies_cannot_see_import_batches(client_for, deputy_user, loaded_year):
    batch = ImportBatch.objects.first()
    assert batch is not None
    assert client_for(deputy_user).get(reverse("budget:import_detail", args=[batch.pk])).status_code == 403


def test_the_workbench_shows_the_budget_panel_to_budget_staff(
    client_for, budget_staff, make_user, loaded_year
):
    body = client_for(budget_staff).get(reverse("core:workbench")).content.decode()
    assert reverse("budget:query") in body
    citizen = make_user(Role.CITIZEN)
    assert reverse("budget:query") not in client_for(citizen).get(reverse("core:workbench")).content.decode()


def test_the_workbench_counts_an_import_in_words(client_for, budget_staff, loaded_year):
    """Issue 15.7: “新增 3 条，修改 0 条，未变 0 条”, not “+3 ~0 =0”."""
    batch = ImportBatch.objects.latest("id")
    body = client_for(budget_staff).get(reverse("core:workbench")).content.decode()
    assert f"新增 {batch.inserted:,} 条，修改 {batch.updated:,} 条，未变 {batch.unchanged:,} 条" in body
    assert f"+{batch.inserted} ~" not in body


def _many_payments(tmp_path):
    from renda.budget.tests.conftest import load, write_csv

    rows = [PAYMENTS[0]]
    for n in range(60):
        unit = ("101001", "101", "102")[n % 3]
        function = "21004" if unit == "102" else "20501"
        day = f"2025-{1 + n % 12:02d}-{1 + (n * 7) % 28:02d}"
        payee = "城关建设公司" if n % 4 else "某医药公司"
        rows.append(
            [f"V{n:03d}", day, unit, function, "30201", "1", "", "", payee, "", "单位", f"{n}.25", "", ""]
        )
    rows.append(
        ["V100", "2025-06-09", "101001", "20501", "30201", "1", "", "", "甲", "", "单位", "7.00", "", ""]
    )
    rows.append(
        ["V101", "2025-06-09", "101001", "20501", "30201", "1", "", "", "乙", "", "单位", "8.00", "", ""]
    )
    assert load("payments", write_csv(tmp_path / "many.csv", rows)).errors == []


@pytest.mark.parametrize(
    "query",
    [
        {"unit": "101"},  # whole months: narrowed to the months that hold the page, by the summary
        {"unit": "101", "date_from": "2025-03-01", "date_to": "2025-10-31"},
        {"unit": "101", "payee": "建设"},  # a payee filter: read from the payments
        {},
    ],
)
def test_voucher_pages_hold_the_whole_list_in_order(
    client_for, budget_staff, loaded_year, tmp_path, monkeypatch, query
):
    from renda.budget.views import query as views

    _many_payments(tmp_path)
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = client_for(budget_staff)
    units = ["101", "101001"] if query.get("unit") else ["101", "101001", "102"]
    payments = Payment.objects.filter(unit_code__in=units)
    if "date_from" in query:
        payments = payments.filter(pay_date__range=(query["date_from"], query["date_to"]))
    if "payee" in query:
        payments = payments.filter(payee_name__contains=query["payee"])
    expected = list(payments.order_by("-pay_date", "voucher_no").values_list("voucher_no", "amount"))
    seen, number = [], 1
    while True:
        page = client.get(reverse("budget:vouchers"), {"year": YEAR, **query, "page": number})
        seen += [(row["p"].voucher_no, row["p"].amount) for row in page.context["rows"]]
        if not page.context["page"].has_next():
            break
        number += 1
    assert seen == expected
    assert page.context["count"] == len(expected)
    assert page.context["total"] == sum((amount for _no, amount in expected), Decimal("0.00"))


def test_the_voucher_list_total_from_the_summary_equals_the_payments(budget_staff, loaded_year, tmp_path):
    from renda.budget.selectors.query import BudgetFilter, payments_list, payments_total

    _many_payments(tmp_path)
    for filters in (
        BudgetFilter(year=YEAR),
        BudgetFilter(year=YEAR, unit="101", econ="302"),
        BudgetFilter(year=YEAR, budget_type=1, date_from=date(2025, 2, 1), date_to=date(2025, 7, 31)),
        BudgetFilter(year=YEAR, function="205", as_of=date(2025, 9, 30)),
    ):
        qs = payments_list(actor=budget_staff, filters=filters)
        assert payments_total(qs, filters) == payments_total(qs)
        for depth in (1, 5, 17, 60, 500):
            newest = payments_list(actor=budget_staff, filters=filters, depth=depth)
            assert list(newest[:depth]) == list(qs[:depth])
    # the first page is read from the latest months only
    narrowed = payments_list(actor=budget_staff, filters=BudgetFilter(year=YEAR), depth=3)
    assert narrowed.count() < Payment.objects.count() and narrowed.count() >= 3
