"""The warning run on a county's own data, imported as a county's finance bureau writes it (not
made by the synthetic generator): its own, smaller classification that lacks the economic codes
of the rules' defaults, and payees written in several ways (全角 letters and digits, spaces
inside, trailing spaces) paid into several accounts. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation

from renda.budget.models import ClassificationItem, Finding, WarningRun
from renda.budget.services.warnings import warnings_evaluate
from renda.budget.tests.conftest import load, write_csv
from renda.budget.tests.test_warnings_rules import payment, region, save, unit
from renda.budget.warning_rules import evaluator
from renda.budget.warning_rules.base import PAY, Context, normalised_payee, paid_by_indicator
from renda.budget.warning_rules.evaluator import evaluate_rule
from renda.budget.warning_rules.params import effective_params, resolve_params, validate_params
from renda.budget.warning_rules.registry import INDIVIDUAL_ECON_PREFIXES, RULES, THREE_PUBLIC_ECON_CODES
from renda.core.masking import mask_personal

pytestmark = pytest.mark.django_db
YEAR = 2025
AS_OF = dt.date(YEAR, 12, 31)
D = Decimal

# 某县财政局自编的政府收支分类（节选）: a few 类/款/项 functional codes and the department
# economic codes the county uses. No 三公经费 code (30212, 30217, 30231 …) and no government
# economic scheme (50x): the defaults of THREE_PUBLIC_OVER and 509 of INDIVIDUAL_LARGE are missing.
CLASSIFICATION = [
    ["分类方案", "编码", "名称", "上级编码"],
    ["功能分类", "205", "教育支出", ""],
    ["功能分类", "20502", "普通教育", "205"],
    ["功能分类", "2050202", "小学教育", "20502"],
    ["功能分类", "2050203", "初中教育", "20502"],
    ["功能分类", "212", "城乡社区支出", ""],
    ["功能分类", "21203", "城乡社区公共设施", "212"],
    ["功能分类", "2120399", "其他城乡社区公共设施支出", "21203"],
    ["部门经济分类", "301", "工资福利支出", ""],
    ["部门经济分类", "30101", "基本工资", "301"],
    ["部门经济分类", "302", "商品和服务支出", ""],
    ["部门经济分类", "30201", "办公费", "302"],
    ["部门经济分类", "30213", "维修（护）费", "302"],
    ["部门经济分类", "30226", "劳务费", "302"],
    ["部门经济分类", "303", "对个人和家庭的补助", ""],
    ["部门经济分类", "30305", "生活补助", "303"],
    ["部门经济分类", "310", "资本性支出", ""],
    ["部门经济分类", "31005", "基础设施建设", "310"],
]
UNITS = [
    ["单位编码", "单位名称", "上级单位编码", "单位类型"],
    ["201", "县教育体育局", "", "行政单位"],
    ["201001", "县第一初级中学", "201", "事业单位"],
    ["201002", "城关镇中心小学", "201", "事业单位"],
    ["305", "县住房和城乡建设局", "", "行政单位"],
    ["305001", "县市政工程管理所", "305", "事业单位"],
]
INDICATORS = [
    ["指标编号", "单位编码", "功能分类编码", "经济分类编码", "预算类型", "年初预算数", "下达日期"],
    ["JZ2025-0101", "201001", "2050203", "30213", "1", "600000.00", "2025-01-15"],
    ["JZ2025-0102", "201002", "2050202", "30201", "1", "300000.00", "2025-01-15"],
    ["JZ2025-0301", "305001", "2120399", "31005", "1", "5000000.00", "2025-02-20"],
]
# Accounts as banks print them (personal data: a finding lists them masked).
ACCOUNT_1 = "6228480018812345671"
ACCOUNT_2 = "15237101040004326"
ACCOUNT_3 = "41050163660800000827"
HX_A, HX_B = "6217002710000296548", "622908393011223344"
HEADER = [
    "支付凭证号",
    "支付日期",
    "单位编码",
    "功能分类编码",
    "经济分类编码",
    "预算类型",
    "指标编号",
    "收款人名称",
    "收款人账号",
    "收款人类型",
    "支付金额",
    "支付方式",
    "用途",
]


def pay(voucher, day, unit_code, econ, indicator_no, payee, account, amount, purpose, payee_type="单位"):
    function = {"201001": "2050203", "201002": "2050202", "305001": "2120399"}[unit_code]
    return [voucher, day, unit_code, function, econ, "1", indicator_no, payee, account, payee_type, amount,
            "直接支付", purpose]  # fmt: skip


M, S1, S2 = "JZ2025-0301", "JZ2025-0101", "JZ2025-0102"
PAYMENTS = [
    HEADER,
    # 拆分支付: one company, written three ways (全角 digit, a space inside, a trailing 全角 space),
    # paid three times into three accounts within 22 days, each just under the procurement
    # threshold of 1,000,000.
    pay("2025ZF000611", "2025-06-03", "305001", "31005", M, "县第3建筑工程有限公司", ACCOUNT_1, "398,000.00",
        "人行道改造一期"),
    pay("2025ZF000642", "2025-06-12", "305001", "31005", M, "县第３建筑工程有限公司", ACCOUNT_2, "396500.00",
        "人行道改造二期"),
    pay("2025ZF000688", "2025-06-25", "305001", "31005", M, "县第3建筑 工程有限公司　", ACCOUNT_3, "395000",
        "人行道改造三期"),
    # near miss: three payments across accounts that add up to one fen under the threshold
    pay("2025ZF000301", "2025-03-03", "305001", "30213", M, "ＪＤ市政园林有限公司", ACCOUNT_1, "333333.33",
        "绿化养护"),
    pay("2025ZF000312", "2025-03-12", "305001", "30213", M, "JD市政园林有限公司", ACCOUNT_2, "333333.33",
        "绿化养护"),
    pay("2025ZF000321", "2025-03-21", "305001", "30213", M, "JD 市政园林有限公司", ACCOUNT_3, "333333.33",
        "绿化养护"),
    # near miss: three payments across accounts, the third 31 days after the first
    pay("2025ZF000801", "2025-08-01", "305001", "31005", M, "城南路桥有限公司", ACCOUNT_1, "400000.00",
        "道路维修"),
    pay("2025ZF000815", "2025-08-20", "305001", "31005", M, "城南 路桥有限公司", ACCOUNT_2, "400000.00",
        "道路维修"),
    pay("2025ZF000833", "2025-09-01", "305001", "31005", M, "城南路桥有限公司", ACCOUNT_3, "400000.00",
        "道路维修"),
    # 重复支付: the same amount paid twice within four days into two accounts of one company
    pay("2025ZF000901", "2025-09-01", "201001", "30213", S1, "ＨＸ信息技术有限公司", HX_A, "48600.00",
        "多媒体教室维护"),
    pay("2025ZF000914", "2025-09-05", "201001", "30213", S1, "HX信息技术有限公司", HX_B, "48,600.00",
        "多媒体教室维护"),
    # near misses: eight days apart; one fen apart; two companies whose names differ in a word
    pay("2025ZF001009", "2025-10-09", "201002", "30201", S2, "HX信息技术有限公司", HX_A, "12800.00",
        "办公设备维护"),
    pay("2025ZF001017", "2025-10-17", "201002", "30201", S2, "ＨＸ 信息技术有限公司", HX_B, "12800.00",
        "办公设备维护"),
    pay("2025ZF001101", "2025-11-03", "201002", "30201", S2, "HX信息技术有限公司", HX_A, "5000.00", "耗材"),
    pay("2025ZF001102", "2025-11-04", "201002", "30201", S2, "HX信息技术有限公司", HX_B, "5000.01", "耗材"),
    pay("2025ZF001110", "2025-11-10", "201002", "30201", S2, "宏达文具有限公司", ACCOUNT_1, "3600.00",
        "文具"),
    pay("2025ZF001111", "2025-11-10", "201002", "30201", S2, "宏达文具有限责任公司", ACCOUNT_2, "3600.00",
        "文具"),
    # 向个人: 生活补助 (303, in the county's table: still exempt) and 劳务费 (not exempt)
    pay("2025ZF001201", "2025-12-01", "201002", "30305", S2, "李建国", "6217856300012345678", "60000.00",
        "困难补助", "个人"),
    pay("2025ZF001202", "2025-12-02", "201002", "30226", S2, "王秀英", "6217856300087654321", "52000.00",
        "讲课费", "个人"),
]  # fmt: skip


@pytest.fixture
def county_year(tmp_path):
    """The county's own classification, its units, indicators and payments, through the import
    (no baseline is loaded: the year has a classification of its own)."""
    for kind, rows in (
        ("classification", CLASSIFICATION),
        ("units", UNITS),
        ("indicators", INDICATORS),
        ("payments", PAYMENTS),
    ):
        result = load(kind, write_csv(tmp_path / f"{kind}.csv", rows))
        assert result.errors == [], result.errors
    assert not ClassificationItem.objects.filter(code__in=THREE_PUBLIC_ECON_CODES).exists()
    return YEAR


def found(code: str, **params) -> list:
    ctx = Context(region=region(), year=YEAR, as_of=AS_OF, params={**effective_params(code, None), **params})
    return evaluate_rule(code, ctx)


# --- a classification of the county's own -----------------------------------------------------------


def test_the_run_does_not_stop_on_default_codes_the_classification_lacks(county_year):
    out = StringIO()
    call_command("budget_warnings", "--year", str(YEAR), "--as-of", "2025-12-31", stdout=out)
    text = out.getvalue()
    run = WarningRun.objects.get()
    # Every rule ran: none failed, each has its figures.
    assert set(run.per_rule) == set(RULES)
    assert all("error" not in r and "found" in r for r in run.per_rule.values()), run.per_rule
    # The notice is stored on the run, naming the missing codes per rule and parameter.
    assert run.per_rule["THREE_PUBLIC_OVER"]["missing_codes"] == {"econ_codes": list(THREE_PUBLIC_ECON_CODES)}
    assert run.per_rule["INDIVIDUAL_LARGE"]["missing_codes"] == {"exempt_econ_prefixes": ["509"]}
    noted = {c for c in RULES if "missing_codes" in run.per_rule[c]}
    assert noted == {"THREE_PUBLIC_OVER", "INDIVIDUAL_LARGE"}
    # … and printed after the summary, in Chinese.
    assert "经济分类中没有参数所列的编码 30212、30217" in text and "509" in text
    # The rules ran with the codes that exist: 303 still exempts 生活补助, 劳务费 to a person is found.
    individual = Finding.objects.filter(rule_code="INDIVIDUAL_LARGE").values_list("key", flat=True)
    assert list(individual) == ["INDIVIDUAL_LARGE:2025ZF001202"]
    assert run.per_rule["THREE_PUBLIC_OVER"]["found"] == 0
    assert run.per_rule["SPLIT_PAYMENT"]["found"] == 1 and run.per_rule["DUPLICATE_PAYMENT"]["found"] == 1


def test_the_json_command_keeps_stdout_a_list_and_writes_the_notices_to_stderr(county_year):
    out, err = StringIO(), StringIO()
    call_command(
        "budget_warnings", "--year", str(YEAR), "--as-of", "2025-12-31", "--json", stdout=out, stderr=err
    )
    listed = json.loads(out.getvalue())
    assert {item["rule"] for item in listed} >= {"SPLIT_PAYMENT", "DUPLICATE_PAYMENT", "INDIVIDUAL_LARGE"}
    assert "30231" in err.getvalue() and "509" in err.getvalue()


def test_the_params_a_rule_runs_with_leave_out_unknown_codes_but_the_form_refuses_them(county_year):
    resolved = resolve_params("INDIVIDUAL_LARGE", None)
    assert resolved.values["exempt_econ_prefixes"] == ["303"]
    assert resolved.missing_codes == {"exempt_econ_prefixes": ["509"]}
    assert list(INDIVIDUAL_ECON_PREFIXES) == ["303", "509"]
    three = resolve_params("THREE_PUBLIC_OVER", {"econ_codes": ["30217", "30213"]})  # stored earlier
    assert three.values["econ_codes"] == ["30213"] and three.missing_codes == {"econ_codes": ["30217"]}
    # An administrator who types a code the classification lacks is told so.
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_params("THREE_PUBLIC_OVER", {"econ_codes": "30213 30217"})
    assert "No such economic classification code: 30217" in refused.value.message_dict["econ_codes"][0]


def test_the_rule_form_still_refuses_a_typed_unknown_code(county_year, client_for, admin_user):
    client = client_for(admin_user)
    url = reverse("budget:warning_rule_edit", args=["THREE_PUBLIC_OVER"])
    assert client.get(url).status_code == 200  # the defaults the county lacks do not break the page
    response = client.post(url, {"enabled": "on", "econ_codes": "30213、30217"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_econ_codes-error"' in html and "30217" in html
    assert client.post(url, {"enabled": "on", "econ_codes": "30213"}).status_code == 302


def test_the_findings_and_rules_pages_show_the_notices_of_the_run(county_year, client_for, budget_staff):
    client = client_for(budget_staff)
    response = client.post(reverse("budget:warnings_run"), {"year": YEAR, "as_of": "2025-12-31"}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="run-notices"' in html
    assert 'data-rule="THREE_PUBLIC_OVER" data-kind="missing_codes"' in html
    assert "经济分类中没有参数所列的编码 30212、30217、30231" in html
    page = client.get(reverse("budget:findings"), {"year": YEAR}).content.decode()
    assert page.count('data-testid="run-notice"') == 2
    rules = client.get(reverse("budget:warning_rules")).content.decode()
    assert 'data-testid="rule-missing-codes"' in rules and "509" in rules
    with translation.override("en"):
        from renda.budget.selectors.warnings import run_notices

        texts = [n.text for n in run_notices(WarningRun.objects.get())]
    assert any("ran without the economic codes 30212" in t and "no such code" in t for t in texts)


def test_one_failing_rule_is_recorded_and_the_others_still_run(county_year, monkeypatch):
    def broken(ctx):
        # Aborts the transaction on PostgreSQL: the run must go on from a savepoint.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT no_such_column FROM {PAY}")  # noqa: S608
        return []

    def made_a_shared_table_then_broke(ctx):
        paid_by_indicator(ctx)  # the table OVER_INDICATOR and PROJECT_IDLE read too
        raise RuntimeError("板块数据异常")

    monkeypatch.setitem(evaluator.RULE_FUNCTIONS, "NON_WORKDAY", broken)
    monkeypatch.setitem(evaluator.RULE_FUNCTIONS, "NO_INDICATOR", made_a_shared_table_then_broke)
    run = warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    assert "error" in run.per_rule["NON_WORKDAY"] and "found" not in run.per_rule["NON_WORKDAY"]
    assert run.per_rule["NO_INDICATOR"]["error"] == "RuntimeError: 板块数据异常"
    others = set(RULES) - {"NON_WORKDAY", "NO_INDICATOR"}
    assert all("found" in run.per_rule[c] for c in others), run.per_rule
    assert run.per_rule["SPLIT_PAYMENT"]["found"] == 1
    assert run.found == sum(run.per_rule[c]["found"] for c in others)
    out = StringIO()
    call_command("budget_warnings", "--year", str(YEAR), "--as-of", "2025-12-31", stdout=out)
    assert "运行失败" in out.getvalue() and "此前的发现保持不变" in out.getvalue()


# --- who is paid: the payee's name normalised, whatever the account --------------------------------


def test_split_payments_to_one_payee_across_accounts_and_spellings(county_year):
    (split,) = found("SPLIT_PAYMENT")
    assert split.key == "305001|2025ZF000611"
    assert split.vouchers == ["2025ZF000611", "2025ZF000642", "2025ZF000688"]
    assert split.amount == D("1189500.00")
    assert split.accounts == [mask_personal(a) for a in (ACCOUNT_1, ACCOUNT_2, ACCOUNT_3)]
    assert ACCOUNT_1 not in split.message and "分别付入 3 个收款账户" in split.message
    assert mask_personal(ACCOUNT_3) in split.message
    assert "县第3建筑工程有限公司" in split.subject and "2025-06-03 至 2025-06-25" in split.message
    # Near misses are as before: a shorter window; a higher threshold. The near misses across
    # accounts (a fen under the threshold, 31 days apart) are found once the threshold or the
    # window reaches them: their payments are grouped across accounts too.
    assert found("SPLIT_PAYMENT", window_days=21) == []
    assert found("SPLIT_PAYMENT", procurement_threshold=D("1189500.01")) == []
    assert {f.key for f in found("SPLIT_PAYMENT", procurement_threshold=D("999999.99"))} == {
        "305001|2025ZF000301",
        "305001|2025ZF000611",
    }
    assert {f.key for f in found("SPLIT_PAYMENT", window_days=31)} == {
        "305001|2025ZF000611",
        "305001|2025ZF000801",
    }


def test_duplicate_payments_to_one_payee_across_accounts(county_year):
    (duplicate,) = found("DUPLICATE_PAYMENT")
    assert duplicate.key == "201001|2025ZF000901"
    assert duplicate.vouchers == ["2025ZF000901", "2025ZF000914"] and duplicate.amount == D("48600.00")
    assert duplicate.accounts == [mask_personal(HX_A), mask_personal(HX_B)]
    assert "分别付入 2 个收款账户" in duplicate.message and HX_A not in duplicate.message
    # Eight days apart (12,800) and one fen apart (5,000) are no duplicates; a wider window finds
    # the first, never the second or 宏达's two companies.
    assert {f.key for f in found("DUPLICATE_PAYMENT", window_days=8)} == {
        "201001|2025ZF000901",
        "201002|2025ZF001009",
    }


def test_rerunning_keeps_the_findings_across_accounts_single_and_their_state(county_year, budget_staff):
    first = warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    (split,) = Finding.objects.filter(rule_code="SPLIT_PAYMENT")
    (duplicate,) = Finding.objects.filter(rule_code="DUPLICATE_PAYMENT")
    assert split.key == "SPLIT_PAYMENT:305001|2025ZF000611"
    assert split.evidence["accounts"] == [mask_personal(a) for a in (ACCOUNT_1, ACCOUNT_2, ACCOUNT_3)]
    assert split.evidence["vouchers"] == ["2025ZF000611", "2025ZF000642", "2025ZF000688"]
    Finding.objects.filter(pk=split.pk).update(state=Finding.State.INQUIRED, assignee=budget_staff)
    total = Finding.objects.count()
    again = warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    assert again.new == 0 and again.found == first.found and Finding.objects.count() == total
    split.refresh_from_db()
    duplicate.refresh_from_db()
    assert split.state == Finding.State.INQUIRED and split.assignee == budget_staff and split.active
    assert split.last_run == again and duplicate.last_run == again and duplicate.first_run == first


def test_payee_names_kept_untrimmed_by_another_loader_are_one_payee():
    """Rows written without the import's trimming (trailing spaces, tabs, 全角 spaces) group the
    same: the key removes every space."""
    unit("101", "教育局")
    save(
        payment("2025-05-06", "101", "7300.00", voucher="K1", payee="ＡＢＣ图书有限公司 ", account=HX_A),
        payment("2025-05-08", "101", "7300.00", voucher="K2", payee="ABC图书有限公司\t", account=HX_B),
        payment("2025-05-09", "101", "7300.00", voucher="K3", payee=" ABC　图书 有限公司", account=HX_B),
    )
    (duplicate,) = found("DUPLICATE_PAYMENT")
    assert duplicate.vouchers == ["K1", "K2", "K3"] and duplicate.amount == D("14600.00")
    assert duplicate.accounts == [mask_personal(HX_A), mask_personal(HX_B)]
    assert normalised_payee(" ＡＢＣ　图书 有限公司\t") == "ABC图书有限公司"


def test_the_key_maps_every_full_width_sign_like_python():
    """The database's key (TRANSLATE / REPLACE) equals Python's for every full-width sign,
    quotes and percent signs included."""
    unit("101")
    odd = "（％＇＂＼＿～）"
    save(
        payment("2025-05-06", "101", 100, voucher="Q1", payee=f"公司{odd}"),
        payment("2025-05-07", "101", 100, voucher="Q2", payee="公司(%'\"\\_~)"),
    )
    assert normalised_payee(f"公司{odd}") == "公司(%'\"\\_~)"
    (duplicate,) = found("DUPLICATE_PAYMENT")
    assert duplicate.vouchers == ["Q1", "Q2"]


def test_the_finding_page_lists_the_accounts_masked(county_year, client_for, budget_staff):
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    split = Finding.objects.get(rule_code="SPLIT_PAYMENT")
    html = client_for(budget_staff).get(reverse("budget:finding", args=[split.pk])).content.decode()
    assert 'data-testid="evidence-accounts"' in html and "收款账户（已脱敏）" in html
    assert (
        mask_personal(ACCOUNT_2) in html
        and ACCOUNT_2 not in html.split('data-testid="evidence-accounts"')[1][:300]
    )
