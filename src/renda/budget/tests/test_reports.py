"""服务: budget execution reports (period checks, Excel and PDF, background making), the pages,
who may see them, the deputies' summary and the workbench."""

from __future__ import annotations

import calendar
import ctypes
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from renda.budget.models import BudgetReport, Debt, Finding, Indicator, Payment, Revenue
from renda.budget.selectors.reports import ReportPeriod, report_state, report_tables
from renda.budget.services.reports import budget_report_generate, budget_report_render, check_period
from renda.budget.tests.conftest import YEAR
from renda.conftest import pdf_first_page_ink
from renda.core.models import AuditEvent
from renda.core.permissions import PermissionRefused

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
Q2_PAID = Decimal("136200.50")  # every payment of the small year falls before 30 June
Q2_OWN = Decimal("105000.00")  # April–June: PZ003 100,000 + PZ004 5,000
INDICATORS = Decimal("700000.00")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path
    settings.TASKS = DUMMY


@pytest.fixture
def year_with_more(loaded_year):
    """The small year, with revenue, debt and findings (open and closed)."""
    for month in range(1, 7):
        Revenue.objects.create(
            year=YEAR,
            month=month,
            item_code="1010101",
            item_name="国内增值税",
            budget_type=1,
            amount=Decimal("1000.00"),
            budget_amount=Decimal("12000.00"),
        )
        for debt_type, limit, balance in (
            ("一般债务", "900000.00", "600000.00"),
            ("专项债务", "500000.00", "450000.00"),
        ):
            Debt.objects.create(
                year=YEAR,
                month=month,
                debt_type=debt_type,
                limit_amount=Decimal(limit),
                balance=Decimal(balance),
            )
    common = {"year": YEAR, "first_as_of": dt.date(YEAR, 6, 30), "last_as_of": dt.date(YEAR, 6, 30)}
    Finding.objects.create(
        rule_code="NO_INDICATOR",
        key="PZ004",
        severity="red",
        unit_code="102",
        subject="卫生健康局 支付凭证 PZ004",
        amount=Decimal("5000.00"),
        evidence={"vouchers": ["PZ004"]},
        message="无指标支付",
        **common,
    )
    Finding.objects.create(
        rule_code="INDIVIDUAL_LARGE",
        key="PZ002",
        severity="yellow",
        unit_code="101001",
        subject="第一中学 → 张**",  # as the rule writes it: an individual masked
        amount=Decimal("1200.50"),
        evidence={"vouchers": ["PZ002"]},
        message="向个人大额支付",
        state=Finding.State.VERIFYING,
        **common,
    )
    Finding.objects.create(
        rule_code="LARGE_PAYMENT",
        key="PZ003",
        severity="yellow",
        unit_code="101",
        subject="教育局 支付凭证 PZ003",
        amount=Decimal("100000.00"),
        evidence={"vouchers": ["PZ003"]},
        message="大额支付",
        state=Finding.State.CLOSED,
        **common,
    )
    return YEAR


@pytest.fixture
def q2_report(year_with_more, budget_staff):
    return budget_report_generate(
        actor=budget_staff, year=YEAR, period_kind="quarter", period=2, run_now=True
    )


def _workbook(report: BudgetReport) -> openpyxl.Workbook:
    with report.excel_file.open("rb") as f:
        return openpyxl.load_workbook(io.BytesIO(f.read()))


def _headline(book) -> dict[str, object]:
    return {row[0]: row[1] for row in book["主要指标"].iter_rows(min_row=4, values_only=True) if row[0]}


def _paid_until(day: dt.date) -> Decimal:
    return Payment.objects.filter(year=YEAR, pay_date__lte=day).aggregate(s=Sum("amount"))["s"]


# --- periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "number", "code"),
    [
        ("week", 1, "period_kind"),
        ("month", 0, "period_number"),
        ("month", 13, "period_number"),
        ("quarter", 0, "period_number"),
        ("quarter", 5, "period_number"),
        ("half", 3, "period_number"),
    ],
)
def test_a_period_outside_its_kind_is_refused(loaded_year, kind, number, code):
    with pytest.raises(ValidationError) as refused:
        check_period(year=YEAR, period_kind=kind, period=number)
    assert refused.value.code == code


def test_a_period_not_yet_ended_is_refused(loaded_year):
    today = dt.date(YEAR, 8, 15)
    with pytest.raises(ValidationError) as refused:
        check_period(year=YEAR, period_kind="quarter", period=3, today=today)
    assert refused.value.code == "period_not_ended"
    with pytest.raises(ValidationError) as refused:  # the last day itself is not over yet
        check_period(year=YEAR, period_kind="month", period=5, today=dt.date(YEAR, 5, 31))
    assert refused.value.code == "period_not_ended"
    assert check_period(year=YEAR, period_kind="month", period=5, today=dt.date(YEAR, 6, 1)).end == dt.date(
        YEAR, 5, 31
    )
    with pytest.raises(ValidationError) as refused:
        check_period(year=timezone.localdate().year + 1, period_kind="month", period=1)
    assert refused.value.code == "period_not_ended"


def test_a_year_without_data_and_a_period_beyond_the_data_are_refused(loaded_year):
    with pytest.raises(ValidationError) as refused:
        check_period(year=2019, period_kind="quarter", period=1)
    assert refused.value.code == "period_no_data"
    # the small year's payments run to 20 May 2025: the third quarter holds none
    with pytest.raises(ValidationError) as refused:
        check_period(year=YEAR, period_kind="quarter", period=3, today=dt.date(YEAR + 1, 1, 5))
    assert refused.value.code == "period_beyond_data"
    assert "2025-05-20" in refused.value.messages[0]
    assert check_period(year=YEAR, period_kind="half", period=1, today=dt.date(YEAR + 1, 1, 5)).number == 1


@given(year=st.integers(min_value=1901, max_value=2999), kind=st.sampled_from(["month", "quarter", "half"]))
def test_the_periods_of_a_kind_cover_the_year_day_by_day(year, kind):
    count = {"month": 12, "quarter": 4, "half": 2}[kind]
    periods = [ReportPeriod(year=year, kind=kind, number=n) for n in range(1, count + 1)]
    assert periods[0].start == dt.date(year, 1, 1)
    assert periods[-1].end == dt.date(year, 12, 31)
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.start - before.end == dt.timedelta(days=1)
    for p in periods:
        assert p.end.day == calendar.monthrange(year, p.end.month)[1]


def test_report_titles_name_the_period():
    assert ReportPeriod(2026, "quarter", 3).title == "2026年第三季度预算执行分析报告"
    assert ReportPeriod(2026, "month", 10).title == "2026年10月预算执行分析报告"
    assert ReportPeriod(2026, "half", 1).title == "2026年上半年预算执行分析报告"
    assert ReportPeriod(2026, "quarter", 3).span == "1—9月"


# --- the report and its files ----------------------------------------------------------------------


def test_generated_report_keeps_the_headline_and_both_files(q2_report):
    report = q2_report
    assert report_state(report) == "ready"
    assert report.title == f"{YEAR}年第二季度预算执行分析报告"
    assert report.period_end == dt.date(YEAR, 6, 30)
    assert Decimal(report.figures["paid"]) == Q2_PAID == _paid_until(dt.date(YEAR, 6, 30))
    assert Decimal(report.figures["period_paid"]) == Q2_OWN
    assert Decimal(report.figures["indicator"]) == INDICATORS
    assert report.figures["open_findings"] == 2 and report.figures["red_findings"] == 1
    assert report.excel_file.name.startswith("budget/reports/") and report.excel_file.name.endswith(".xlsx")
    assert report.title not in report.excel_file.name  # stored under a random name, not the title


def test_excel_headline_and_tables_equal_the_database(q2_report):
    book = _workbook(q2_report)
    assert book.sheetnames[0] == "主要指标"
    headline = _headline(book)
    assert Decimal(str(headline["累计支出（1—6月）"])) == _paid_until(dt.date(YEAR, 6, 30))
    assert (
        Decimal(str(headline["调整后预算指标"]))
        == Indicator.objects.filter(year=YEAR).aggregate(s=Sum("current_amount"))["s"]
    )
    assert Decimal(str(headline["本期支出（4—6月）"])) == Q2_OWN
    assert headline["尚未办结的预警发现"] == 2
    assert Decimal(str(headline["累计收入（1—6月）"])) == Decimal("6000.00")
    assert Decimal(str(headline["政府债务余额（6月末）"])) == Decimal("1050000.00")

    departments = list(book["按主管部门"].iter_rows(min_row=4, values_only=True))
    total = departments[-1]
    assert total[1] == "合计"
    assert Decimal(str(total[3])) == Q2_PAID
    assert sum(Decimal(str(r[3])) for r in departments[:-1]) == Q2_PAID
    assert {r[0] for r in departments[:-1]} == {"101", "102"}  # 第一中学 counts under 教育局
    months = list(book["月度支付"].iter_rows(min_row=4, values_only=True))
    assert [m[0] for m in months] == [f"{n}月" for n in range(1, 7)]
    assert sum(Decimal(str(m[1] or 0)) for m in months) == Q2_PAID
    assert book["按主管部门"]._charts and book["月度支付"]._charts  # native charts
    findings = list(book["预警发现"].iter_rows(min_row=4, values_only=True))
    # red first, named by the rule's name (not its code)
    assert len(findings) == 2 and findings[0][0] == "无预算支出" and "NO_INDICATOR" not in str(findings)


def test_pdf_renders_chinese_text_with_embedded_fonts(q2_report):
    with q2_report.pdf_file.open("rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF")
    assert pdf_first_page_ink(pdf) > 0.01  # the first page, rendered to an image, is not blank
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0].get_textpage()
        first = page.get_text_range()
        everything = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        font = ctypes.create_string_buffer(256)
        pdfium_c.FPDFText_GetFontInfo(page.raw, first.index("预算"), font, 256, None)
    finally:
        document.close()
    assert b"CJK" in font.value  # the title is set in the embedded Noto CJK font (a subset)
    assert f"{YEAR}年第二季度预算执行分析报告" in first
    assert "总体情况" in first and "执行进度" in first
    assert "13.62" in everything  # 136,200.50 yuan = 13.62 万元
    assert "张三丰" not in everything and "6222020000001234" not in everything


def test_the_report_is_made_in_the_background_after_the_request(
    year_with_more, budget_staff, client_for, settings, django_capture_on_commit_callbacks
):
    client = client_for(budget_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("budget:reports"), {"year": YEAR, "period": "quarter:2"})
    report = BudgetReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("budget:report", args=[report.pk])
    assert report_state(report) == "pending"  # the dummy queue holds the task: no worker has run
    page = client.get(reverse("budget:report", args=[report.pk]))
    assert 'data-state="pending"' in page.content.decode()
    assert client.get(reverse("budget:report_pdf", args=[report.pk])).status_code == 404
    budget_report_render(report.pk)  # the worker
    report.refresh_from_db()
    assert report_state(report) == "ready"
    status = client.get(
        reverse("budget:report", args=[report.pk]), {"part": "status"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-state="ready"' in status.content.decode()
    assert status["HX-Refresh"] == "true"  # the polling page reloads to show the tables

    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("budget:reports"), {"year": YEAR, "period": "month:5"})
    assert report_state(BudgetReport.objects.latest("id")) == "ready"


def test_a_failed_making_is_kept_with_its_reason(year_with_more, budget_staff, monkeypatch):
    from renda.budget.services import reports

    report = budget_report_generate(actor=budget_staff, year=YEAR, period_kind="month", period=3)

    def broken(*args, **kwargs):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(reports, "report_pdf", broken)
    with pytest.raises(RuntimeError):
        budget_report_render(report.pk)
    report.refresh_from_db()
    assert report_state(report) == "failed" and report.figures["error"] == "字体缺失"
    assert not report.excel_file and not report.pdf_file


def test_generating_is_audited_and_a_refusal_too(year_with_more, budget_staff, deputy_user):
    report = budget_report_generate(actor=budget_staff, year=YEAR, period_kind="half", period=1, run_now=True)
    event = AuditEvent.objects.get(action="budget.report_generate")
    assert event.actor == budget_staff and event.object_id == str(report.pk)
    assert event.changes["title"][1] == f"{YEAR}年上半年预算执行分析报告"
    with pytest.raises(PermissionRefused):
        budget_report_generate(actor=deputy_user, year=YEAR, period_kind="half", period=1)
    assert AuditEvent.objects.filter(
        action="budget.generate_report", outcome="refused", actor=deputy_user
    ).exists()
    assert BudgetReport.objects.count() == 1


def test_a_bad_period_on_the_form_is_a_message_not_an_error(year_with_more, budget_staff, client_for):
    client = client_for(budget_staff)
    response = client.post(reverse("budget:reports"), {"year": YEAR, "period": "quarter:4"})
    assert response.status_code == 400
    assert "2025-05-20" in response.content.decode()  # the payments run to 20 May
    response = client.post(reverse("budget:reports"), {"year": YEAR, "period": "quarter:9"})
    assert response.status_code == 400
    assert not BudgetReport.objects.exists()


# --- who may see what ------------------------------------------------------------------------------


def _urls(report: BudgetReport) -> list[str]:
    return [
        reverse("budget:reports"),
        reverse("budget:report", args=[report.pk]),
        reverse("budget:report_excel", args=[report.pk]),
        reverse("budget:report_pdf", args=[report.pk]),
        reverse("budget:summary"),
    ]


def test_unit_handlers_citizens_and_other_staff_are_refused_everywhere(
    q2_report, client_for, unit_user, citizen_user, staff_user, finance_feed_user
):
    for user in (unit_user, citizen_user, staff_user, finance_feed_user):
        client = client_for(user)
        for url in _urls(q2_report):
            response = client.get(url)
            assert response.status_code == 403, (user.role, url)
            assert b"%PDF" not in response.content and b"PK\x03\x04" not in response.content
        assert (
            client.post(reverse("budget:reports"), {"year": YEAR, "period": "quarter:1"}).status_code == 403
        )
    assert BudgetReport.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(q2_report, client):
    for url in _urls(q2_report):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_files_are_not_served_from_a_media_address(q2_report, client_for, budget_staff):
    client = client_for(budget_staff)
    for stored in (q2_report.excel_file, q2_report.pdf_file):
        assert client.get(f"/media/{stored.name}").status_code == 404


def test_deputies_list_read_and_download_but_do_not_generate(q2_report, client_for, deputy_user):
    client = client_for(deputy_user)
    listing = client.get(reverse("budget:reports")).content.decode()
    assert q2_report.title in listing and 'data-testid="report-form"' not in listing
    detail = client.get(reverse("budget:report", args=[q2_report.pk])).content.decode()
    assert "分主管部门预算执行情况" in detail and "136,200.50" in detail
    findings = next(t for t in report_tables(q2_report, max_rows=1) if t.name == "预警发现")
    assert len(findings.rows) == 1 and findings.more == 1  # long tables: the rest is in the workbook
    excel = client.get(reverse("budget:report_excel", args=[q2_report.pk]))
    assert excel.status_code == 200 and excel["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''2025" in excel["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(excel.streaming_content)))
    assert Decimal(str(_headline(book)["累计支出（1—6月）"])) == Q2_PAID
    pdf = client.get(reverse("budget:report_pdf", args=[q2_report.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.post(reverse("budget:reports"), {"year": YEAR, "period": "quarter:1"}).status_code == 403
    assert BudgetReport.objects.count() == 1
    assert AuditEvent.objects.filter(
        action="budget.generate_report", outcome="refused", actor=deputy_user
    ).exists()


def test_budget_staff_see_the_form_with_the_latest_finished_quarter(year_with_more, client_for, budget_staff):
    body = client_for(budget_staff).get(reverse("budget:reports")).content.decode()
    assert 'data-testid="report-form"' in body
    assert '<option value="quarter:2" selected>' in body  # the payments run to May: the second quarter


def test_the_summary_shows_aggregates_only(q2_report, client_for, deputy_user):
    body = client_for(deputy_user).get(reverse("budget:summary"), {"year": YEAR}).content.decode()
    assert 'data-testid="summary-headline"' in body
    assert 'data-value="136200.50"' in body  # paid in the year to date
    assert 'data-rule="NO_INDICATOR"' in body and 'data-rule="INDIVIDUAL_LARGE"' in body
    assert 'data-rule="LARGE_PAYMENT"' not in body  # closed findings are not open
    assert q2_report.title in body
    for secret in ("张三丰", "张**", "6222020000001234", "城关建设公司", "PZ004"):
        assert secret not in body


def test_the_summary_without_data_says_so(db, client_for, deputy_user):
    body = client_for(deputy_user).get(reverse("budget:summary")).content.decode()
    assert 'data-testid="summary-empty"' in body


# --- the workbench ---------------------------------------------------------------------------------


def test_a_deputy_sees_a_new_report_on_the_workbench(q2_report, client_for, deputy_user):
    body = client_for(deputy_user).get(reverse("core:workbench")).content.decode()
    assert q2_report.title in body and 'data-testid="report-new"' in body
    assert reverse("budget:report", args=[q2_report.pk]) in body
    BudgetReport.objects.filter(pk=q2_report.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    body = client_for(deputy_user).get(reverse("core:workbench")).content.decode()
    assert q2_report.title in body and 'data-testid="report-new"' not in body


def test_budget_staff_see_open_findings_and_reports_on_the_workbench(q2_report, client_for, budget_staff):
    body = client_for(budget_staff).get(reverse("core:workbench")).content.decode()
    assert q2_report.title in body
    assert "Open warning findings" in body or "未办结" in body or "预警" in body


def test_a_report_being_made_is_not_on_the_workbench(year_with_more, budget_staff, client_for, deputy_user):
    report = budget_report_generate(actor=budget_staff, year=YEAR, period_kind="month", period=4)
    body = client_for(deputy_user).get(reverse("core:workbench")).content.decode()
    assert report.title not in body


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_step_generates_the_latest_month_and_quarter_once(year_with_more, budget_staff):
    from renda.demo.budget_reports import reports_demo
    from renda.demo.county import DemoContext

    ctx = DemoContext(plan=None, users={"budget": budget_staff})  # type: ignore[arg-type]
    reports_demo(ctx, year=YEAR, data_until=dt.date(YEAR, 5, 20))
    titles = sorted(BudgetReport.objects.values_list("title", flat=True))
    assert titles == [f"{YEAR}年4月预算执行分析报告", f"{YEAR}年第一季度预算执行分析报告"]
    assert all(report_state(r) == "ready" for r in BudgetReport.objects.all())
    reports_demo(ctx, year=YEAR, data_until=dt.date(YEAR, 5, 20))
    assert BudgetReport.objects.count() == 2 and ctx.counts["budget_reports"] == 2


def test_reports_sign_as_the_letters_do(db, make_organisation, settings):
    """Issue 15.8: a report and an inquiry letter carry one signature — the budget committee's
    organisation name, else the one parameter — not a name composed from the region's."""
    from renda.budget.services.findings import committee_name
    from renda.budget.services.reports import issuer_name

    settings.RENDA_BUDGET_FINDINGS = {"COMMITTEE_NAME": "某县人大常委会预算工委"}
    assert issuer_name() == committee_name() == "某县人大常委会预算工委"
    make_organisation(name="河口县人大常委会预算工作委员会", code="RD003")
    assert issuer_name() == committee_name() == "河口县人大常委会预算工作委员会"


def test_the_report_page_and_the_summary_show_amounts_in_the_reader_s_unit(
    q2_report, client_for, budget_staff, deputy_user
):
    from renda.budget.services.reading import reader_amount_unit_set

    client = client_for(budget_staff)
    reader_amount_unit_set(actor=budget_staff, unit="wan")
    detail = client.get(reverse("budget:report", args=[q2_report.pk])).content.decode()
    # 136,200.50 yuan paid in the year to date → 13.62 万元, the headline and the tables headed so
    assert 'data-value="136200.50">13.62<' in detail and "136,200.50" not in detail
    assert "累计支出（万元）" in detail and "预算指标（万元）" in detail
    assert "年度预算数（万元）" in detail and "债务限额（万元）" in detail  # with rows or without
    assert "执行进度(%)" in detail and "执行进度(%)（万元）" not in detail  # a rate keeps its own unit
    assert "金额单位：元" not in detail  # the workbook's note: the page says its own unit
    assert "Excel 文件以元为单位" in detail and 'data-testid="amount-unit-switch"' in detail
    # the files keep theirs: the workbook still holds yuan
    sheet = _workbook(q2_report)["按主管部门"]
    assert "金额单位：元" in str(sheet["A2"].value)
    tables = report_tables(q2_report)
    assert not any("万元" in h for t in tables for h, _n in t.headers)  # no unit given: as issued
    # the deputies' summary, in 亿元 for this deputy
    reader_amount_unit_set(actor=deputy_user, unit="yi")
    summary = client_for(deputy_user).get(reverse("budget:summary")).content.decode()
    assert "金额单位：亿元" in summary and "预算指标（亿元）" in summary
    assert "136,200.50" not in summary and 'data-value="136200.50">0.00<' in summary
