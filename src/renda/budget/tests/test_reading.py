"""A finance reader's pages: the amount unit (元 / 万元 / 亿元) remembered per person, written in every
header and export, converted exactly; the voucher end of the drill-down shows names, each a link;
the 项 level does not list its own 款 as one more 项."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from renda.budget.amount_units import shown_unit
from renda.budget.models import ReaderPreference
from renda.budget.selectors.query import BudgetFilter, budget_table
from renda.budget.selectors.reading import reader_amount_unit
from renda.budget.services.reading import reader_amount_unit_set
from renda.budget.tests.conftest import YEAR
from renda.core.models import AuditEvent
from renda.core.permissions import PermissionRefused

pytestmark = pytest.mark.django_db


def test_conversions_are_exact_and_rounded_half_up_to_two_places():
    wan, yi = shown_unit("wan"), shown_unit("yi")
    assert wan.convert(Decimal("1234567.50")) == Decimal("123.46")
    assert wan.convert(Decimal("50.00")) == Decimal("0.01")  # 0.005 万元 rounds half up
    assert wan.convert(Decimal("49.99")) == Decimal("0.00")
    assert yi.convert(Decimal("9999999999999999.99")) == Decimal("100000000.00")
    assert yi.convert(Decimal("-123456789.00")) == Decimal("-1.23")
    assert shown_unit("yuan").convert("0.01") == Decimal("0.01")
    assert shown_unit("nonsense").code == "yuan" and wan.convert(None) is None


def test_the_unit_is_remembered_per_person_through_the_service(budget_staff, deputy_user, citizen_user):
    assert reader_amount_unit(actor=budget_staff).code == "yuan"
    reader_amount_unit_set(actor=budget_staff, unit="wan")
    budget_staff.__dict__.pop("_budget_amount_unit", None)
    assert reader_amount_unit(actor=budget_staff).code == "wan"
    assert reader_amount_unit(actor=deputy_user).code == "yuan"  # another person's stays
    assert AuditEvent.objects.filter(action="budget.amount_unit_set", actor=budget_staff).count() == 1
    with pytest.raises(PermissionRefused):
        reader_amount_unit_set(actor=citizen_user, unit="wan")


def test_the_switch_posts_back_to_the_page_and_refuses_a_bad_unit(client_for, budget_staff, loaded_year):
    client = client_for(budget_staff)
    page = f"{reverse('budget:query')}?year={YEAR}"
    response = client.post(reverse("budget:amount_unit"), {"unit": "wan", "next": page})
    assert response.status_code == 303 and response["Location"] == page
    assert ReaderPreference.objects.get(user=budget_staff).amount_unit == "wan"
    off_site = client.post(reverse("budget:amount_unit"), {"unit": "yi", "next": "https://evil.example/"})
    assert off_site["Location"] == reverse("budget:query")
    bad = client.post(reverse("budget:amount_unit"), {"unit": "thousand"})
    assert bad.status_code == 400 and "万元" in bad.content.decode()
    assert ReaderPreference.objects.get(user=budget_staff).amount_unit == "yi"


def test_the_query_page_and_its_export_are_in_the_chosen_unit(client_for, budget_staff, loaded_year):
    reader_amount_unit_set(actor=budget_staff, unit="wan")
    client = client_for(budget_staff)
    html = client.get(reverse("budget:query"), {"year": YEAR}).content.decode()
    assert "指标数（万元）" in html or "（万元）" in html
    table = budget_table(actor=budget_staff, filters=BudgetFilter(year=YEAR))
    total = table.total.paid
    assert f"{(total / 10000).quantize(Decimal('0.01')):,.2f}" in html
    assert 'class="text-end font-monospace amount"' in html  # no break mid-digit
    response = client.get(reverse("budget:query"), {"year": YEAR, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    headers = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    assert any(str(h).endswith("（万元）") for h in headers if h)
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0] in ("合计", "Total")]
    assert values and Decimal(str(values[-1][2])) == (total / 10000).quantize(Decimal("0.01"))


def test_the_xiang_level_does_not_list_its_own_kuan_as_a_row(budget_staff, loaded_year):
    # ZB002 and its payment are booked on the 款 20501 itself (no 项 below it).
    table = budget_table(
        actor=budget_staff, filters=BudgetFilter(year=YEAR, function="20501", group="function3")
    )
    own = [r for r in table.rows if r.key == "20501"]
    assert own, "the money booked on the 款 is still shown (the total must reconcile)"
    assert own[0].unrefined and own[0].drill is None and own[0].label != table.rows[0].key
    assert all(len(r.key) == 7 for r in table.rows if not r.unrefined)
    assert table.total.paid == sum((r.paid for r in table.rows), Decimal(0))


def test_the_voucher_page_shows_names_each_a_link_and_keeps_the_drill_path(
    client_for, budget_staff, loaded_year
):
    client = client_for(budget_staff)
    html = client.get(
        reverse("budget:voucher", args=[YEAR, "PZ001"]),
        {"year": YEAR, "function": "20502", "unit": "101001"},
    ).content.decode()
    assert "101001 第一中学" in html and "101 教育局" in html  # the unit and its 主管部门
    assert "2050201 " in html and "205 " in html  # 项 with its name, under its 类
    assert "P1 校舍维修" in html  # the project's name
    assert "?year=2025&amp;unit=101001&amp;group=function1" in html  # the unit's drill-down
    assert "function=2050201" in html and "project=P1" in html
    assert 'data-testid="crumb-vouchers"' in html  # back to the list it came from
    lst = client.get(reverse("budget:vouchers"), {"year": YEAR, "unit": "101001"}).content.decode()
    assert "101001 第一中学" in lst and "金额（元）" in lst


def test_the_findings_list_and_a_finding_show_amounts_in_the_reader_s_unit(
    client_for, budget_staff, loaded_year
):
    from renda.budget.tests.test_findings import make_finding

    x = make_finding(amount=Decimal("1234567.89"), evidence={"vouchers": ["PZ001", "PZ002"]})
    client = client_for(budget_staff)
    reader_amount_unit_set(actor=budget_staff, unit="wan")
    listed = client.get(reverse("budget:findings"), {"year": YEAR}).content.decode()
    assert "金额（万元）" in listed and ">123.46<" in listed and "1,234,567.89" not in listed
    assert 'data-testid="amount-unit-switch"' in listed
    detail = client.get(reverse("budget:finding", args=[x.pk])).content.decode()
    assert "123.46 万元" in detail and "金额（万元）" in detail  # the figures and the vouchers' table
    assert 'data-testid="evidence-total"' in detail
    reader_amount_unit_set(actor=budget_staff, unit="yuan")
    detail = client.get(reverse("budget:finding", args=[x.pk])).content.decode()
    assert "1,234,567.89 元" in detail and "金额（元）" in detail
