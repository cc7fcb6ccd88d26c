"""Findings speak Chinese: titles say what was found (unit, payee, amount with its unit), never a bare
voucher number; rule names, not codes, in the letter, the lists and the statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pypdfium2
import pytest
from django.urls import reverse

from renda.budget.models import Finding, Payment
from renda.budget.services import findings as services
from renda.budget.services.warnings import warnings_evaluate
from renda.budget.tests.conftest import YEAR
from renda.budget.tests.test_findings import make_finding
from renda.budget.warning_rules.base import title_amount

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_title_amounts_carry_their_unit():
    assert title_amount(Decimal("123456.78")) == "12.35万元"
    assert title_amount(Decimal("9999.99")) == "9,999.99元"
    assert title_amount(Decimal("-20000")) == "-2.00万元"


def test_no_finding_of_a_run_is_titled_by_a_voucher_or_indicator_number(loaded_year):
    warnings_evaluate(actor=None, year=YEAR, as_of=dt.date(YEAR, 12, 31))
    findings = list(Finding.objects.filter(year=YEAR))
    assert findings
    numbers = set(Payment.objects.values_list("voucher_no", flat=True)) | {"ZB001", "ZB002", "ZB003"}
    for x in findings:
        assert x.subject not in numbers, (x.rule_code, x.subject)
        if x.rule_code in ("LARGE_PAYMENT", "INDIVIDUAL_LARGE", "OUTLIER", "NO_INDICATOR"):
            assert "支付" in x.subject and "元" in x.subject, x.subject  # who paid whom how much


def test_an_older_finding_titled_by_its_voucher_is_titled_at_display(client_for, budget_staff, loaded_year):
    x = make_finding(
        rule_code="LARGE_PAYMENT",
        subject="PZ001",
        amount=Decimal("30000.00"),
        evidence={"vouchers": ["PZ001"]},
    )
    assert x.title.endswith("3.00万元（PZ001）") and "LARGE_PAYMENT" not in x.title
    page = client_for(budget_staff).get(reverse("budget:findings"), {"year": YEAR}).content.decode()
    assert "3.00万元（PZ001）" in page


def test_the_letter_and_the_pages_name_the_rule_not_its_code(client_for, budget_staff, loaded_year):
    x = make_finding()
    services.finding_verify(actor=budget_staff, finding=x)
    letter = services.finding_inquire(actor=budget_staff, finding=x)
    client = client_for(budget_staff)
    pdf = client.get(reverse("budget:finding_letter", args=[letter.pk]))
    document = pypdfium2.PdfDocument(pdf.content)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "执行进度滞后" in text
    assert "EXEC_LAG" not in text
    for url in (reverse("budget:finding", args=[x.pk]), f"{reverse('budget:findings')}?year={YEAR}"):
        html = client.get(url).content.decode()
        visible = html.replace('title="EXEC_LAG"', "").replace('data-rule="EXEC_LAG"', "")
        visible = visible.replace("rule=EXEC_LAG", "").replace('value="EXEC_LAG"', "")
        assert "EXEC_LAG" not in visible, url
