"""预算联网监督: fiscal data loaded from the finance bureau (指标、国库集中支付、收入、债务).

Facts carry codes (单位编码, 功能分类, 经济分类, 项目编码) as strings, not foreign keys: they
arrive in bulk through the data interface (docs/data-interface.md) and are loaded set-based, so
the classification trees and units join on codes. Every fact row records the import batch it
came from and the region code of the congress whose data it is (``settings.RENDA_REGION_CODE``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.core.module_parameters import current_region_code

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}  # the DecimalField options of money


def money(verbose_name, **extra) -> models.DecimalField:
    return models.DecimalField(verbose_name, default=0, **MONEY, **extra)


def default_region() -> str:
    return current_region_code()


class BudgetType(models.IntegerChoices):
    """The four budgets (四本预算), with the codes 1–4 of the data interface."""

    GENERAL = 1, _("General public budget")
    FUND = 2, _("Government fund budget")
    STATE_CAPITAL = 3, _("State capital operation budget")
    SOCIAL_INSURANCE = 4, _("Social insurance fund budget")


# The Chinese names the data interface accepts for each budget type (besides the codes 1–4).
BUDGET_TYPE_NAMES = {
    "一般公共预算": 1,
    "政府性基金预算": 2,
    "国有资本经营预算": 3,
    "社会保险基金预算": 4,
}


class Scheme(models.TextChoices):
    FUNCTION = "function", _("Functional classification")
    ECON_GOV = "econ_gov", _("Government economic classification")
    ECON_DEPT = "econ_dept", _("Department economic classification")


class ImportBatch(models.Model):
    """导入批次: one file (or API batch) offered to the import, with its progress and outcome."""

    class Kind(models.TextChoices):
        UNITS = "units", _("Budget units")
        INDICATORS = "indicators", _("Budget indicators")
        PAYMENTS = "payments", _("Treasury payments")
        REVENUE = "revenue", _("Revenue")
        DEBT = "debt", _("Government debt")
        CLASSIFICATION = "classification", _("Classification")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        VALIDATING = "validating", _("Checking")
        LOADING = "loading", _("Loading")
        APPLIED = "applied", _("Applied")
        CHECKED = "checked", _("Checked (dry run)")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        COMMAND = "command", _("Command line")
        API = "api", _("Finance data interface")
        DEMO = "demo", _("Demo data")

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    stored_path = models.CharField(_("stored file"), max_length=500, blank=True)
    file_format = models.CharField(_("format"), max_length=10, default="auto")
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    # a Fiscal Data Package: the mapping inferred from its model, in Chinese, a line each
    mapping = models.JSONField(_("inferred mapping"), default=list, blank=True)
    # a Fiscal Data Package uploaded: the budget type (1–4) of its rows that carry none ("": 一般公共预算)
    package_budget_type = models.CharField(_("default budget type"), max_length=2, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [models.Index(fields=["region_code", "-created_at"], name="budget_batch_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.APPLIED,
            self.Status.CHECKED,
            self.Status.REJECTED,
            self.Status.FAILED,
        }

    @property
    def errors_shown(self) -> list[dict]:
        """The errors with each reason in the reader's language (``message`` keeps the Chinese reason
        the data interface reports; ``words`` the same reason for every language)."""
        from renda.core.words import render

        shown = []
        for error in self.errors if isinstance(self.errors, list) else []:
            if isinstance(error, dict) and error.get("words"):
                error = {**error, "message": render(error["words"])}
            shown.append(error)
        return shown


class FiscalYear(models.Model):
    """预算年度."""

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="budget_year_unique")]

    def __str__(self) -> str:
        return str(self.year)


class ClassificationItem(models.Model):
    """政府收支分类科目: one code of a classification tree, per fiscal year."""

    year = models.PositiveSmallIntegerField(_("fiscal year"))
    scheme = models.CharField(_("scheme"), max_length=10, choices=Scheme.choices)
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"))
    parent_code = models.CharField(_("parent code"), max_length=12, blank=True)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["scheme", "code"]
        verbose_name = _("classification item")
        verbose_name_plural = _("classification items")
        constraints = [
            models.UniqueConstraint(fields=["year", "scheme", "code"], name="budget_class_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BudgetUnit(models.Model):
    """预算单位, under its 主管部门 (the top of its parent chain)."""

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    code = models.CharField(_("unit code"), max_length=30)
    name = models.CharField(_("unit name"), max_length=120)
    parent_code = models.CharField(_("parent unit code"), max_length=30, blank=True)
    department_code = models.CharField(_("competent department code"), max_length=30, blank=True)
    kind = models.CharField(_("unit kind"), max_length=30, blank=True)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["code"]
        verbose_name = _("budget unit")
        verbose_name_plural = _("budget units")
        constraints = [models.UniqueConstraint(fields=["region_code", "code"], name="budget_unit_unique")]
        indexes = [models.Index(fields=["region_code", "department_code"], name="budget_unit_dept")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Project(models.Model):
    """项目, as named by the indicators that fund it."""

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    code = models.CharField(_("project code"), max_length=40)
    name = models.CharField(_("project name"), max_length=200, blank=True)
    unit_code = models.CharField(_("unit code"), max_length=30, blank=True)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year", "code"], name="budget_project_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Indicator(models.Model):
    """预算指标: an appropriation line, its original amount, adjustments and current amount."""

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    indicator_no = models.CharField(_("indicator number"), max_length=40)
    unit_code = models.CharField(_("unit code"), max_length=30)
    function_code = models.CharField(_("functional classification code"), max_length=12)
    econ_code = models.CharField(_("economic classification code"), max_length=12, blank=True)
    budget_type = models.PositiveSmallIntegerField(_("budget type"), choices=BudgetType.choices)
    project_code = models.CharField(_("project code"), max_length=40, blank=True)
    fund_source = models.CharField(_("fund source"), max_length=60, blank=True)
    original_amount = money(_("original budget"))
    adjusted_amount = money(_("adjustment"))
    current_amount = money(_("current budget"))
    issued_date = models.DateField(_("issued on"), null=True, blank=True)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["indicator_no"]
        verbose_name = _("budget indicator")
        verbose_name_plural = _("budget indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "indicator_no"], name="budget_indicator_unique"
            )
        ]
        indexes = [
            models.Index(fields=["region_code", "year", "unit_code"], name="budget_ind_unit"),
            models.Index(fields=["region_code", "year", "function_code"], name="budget_ind_func"),
            models.Index(fields=["region_code", "year", "econ_code"], name="budget_ind_econ"),
            models.Index(fields=["region_code", "year", "project_code"], name="budget_ind_project"),
        ]

    def __str__(self) -> str:
        return self.indicator_no


class IndicatorAdjustment(models.Model):
    """指标调整: one change of an indicator's amount, with its date and document (文号)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="adjustments")
    date = models.DateField(_("date"), null=True, blank=True)
    document = models.CharField(_("document"), max_length=120, blank=True)
    amount = money(_("amount"))
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("indicator adjustment")
        verbose_name_plural = _("indicator adjustments")

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.date} {self.amount}"


class Payment(models.Model):
    """国库集中支付明细: one payment voucher (支付凭证)."""

    class PayeeType(models.TextChoices):
        ORGANISATION = "单位", _("Organisation payee")
        PERSON = "个人", _("Individual payee")

    class Method(models.TextChoices):
        DIRECT = "直接支付", _("Direct payment")
        AUTHORISED = "授权支付", _("Authorised payment")

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    voucher_no = models.CharField(_("voucher number"), max_length=40)
    pay_date = models.DateField(_("payment date"))
    unit_code = models.CharField(_("unit code"), max_length=30)
    function_code = models.CharField(_("functional classification code"), max_length=12)
    econ_code = models.CharField(_("economic classification code"), max_length=12, blank=True)
    budget_type = models.PositiveSmallIntegerField(_("budget type"), choices=BudgetType.choices)
    project_code = models.CharField(_("project code"), max_length=40, blank=True)
    indicator_no = models.CharField(_("indicator number"), max_length=40, blank=True)
    payee_name = models.CharField(_("payee"), max_length=200, blank=True)
    payee_account = models.CharField(_("payee account"), max_length=64, blank=True)
    payee_type = models.CharField(_("payee type"), max_length=4, choices=PayeeType.choices, blank=True)
    amount = money(_("amount"))
    pay_method = models.CharField(_("payment method"), max_length=8, choices=Method.choices, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    # No index on the batch: no page looks payments up by batch, and at 10^7 rows each index costs
    # the import seconds (the import finds a batch's rows by a scan of the year, rarely).
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-pay_date", "voucher_no"]
        verbose_name = _("treasury payment")
        verbose_name_plural = _("treasury payments")
        # Index keys of the payments lead with the column that tells rows apart and end with the
        # region (the same on every row of a county's installation): sorting 10^7 keys for an
        # index build then compares the leading column's abbreviated key (PostgreSQL) instead of
        # walking the equal region and year of every pair — several times faster — while every
        # query, which gives the region and year as equalities, reads them as before. (The
        # summaries, a tenth the size, keep region and year first: SQLite then reads a year's
        # rows in the order of the grouped column, without sorting them.)
        constraints = [
            models.UniqueConstraint(
                fields=["year", "voucher_no", "region_code"], name="budget_payment_unique"
            )
        ]
        indexes = [
            # newest first, as the voucher list reads them (and any range of dates)
            models.Index(fields=["year", "-pay_date", "voucher_no", "region_code"], name="budget_pay_newest"),
            models.Index(
                fields=["unit_code", "year", "-pay_date", "voucher_no", "region_code"],
                name="budget_pay_unit_newest",
            ),
            models.Index(fields=["indicator_no", "year", "region_code"], name="budget_pay_indicator"),
        ]

    def __str__(self) -> str:
        return self.voucher_no


class MonthlyTotals(models.Model):
    """What every payment summary holds besides its key: the region, year and month, the amount
    paid and the number of payments."""

    region_code = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    amount = money(_("amount"))
    payments = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class PaymentSummary(MonthlyTotals):
    """支付汇总: paid per unit × functional code × economic code × budget type × project × month.

    Rebuilt set-based for the year at every payments import; the query page reads it so that a
    summary never scans the payments.
    """

    unit_code = models.CharField(max_length=30)
    function_code = models.CharField(max_length=12)
    econ_code = models.CharField(max_length=12, blank=True)
    budget_type = models.PositiveSmallIntegerField(choices=BudgetType.choices)
    project_code = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("payment summary")
        verbose_name_plural = _("payment summaries")
        indexes = [
            # Every column, month first: a summary over a range of months (as of a date) reads
            # the months' entries of this index alone. SQLite, which plans without statistics,
            # seeks the months by it; were it not covering, it would then read the rows it names
            # one by one, out of their order on disk (as of 30 Sep at 10^6 payments: 0.3–1 s
            # per query instead of 0.15–0.25 s).
            models.Index(
                fields=[
                    "region_code",
                    "year",
                    "month",
                    "unit_code",
                    "function_code",
                    "budget_type",
                    "econ_code",
                    "project_code",
                    "amount",
                    "payments",
                ],
                name="budget_sum_month_all",
            ),
            models.Index(fields=["region_code", "year", "function_code"], name="budget_sum_func"),
            models.Index(fields=["region_code", "year", "unit_code"], name="budget_sum_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.unit_code} {self.function_code} {self.amount}"


class PaymentRollup(MonthlyTotals):
    """支付汇总（粗）: paid per unit × functional code × budget type × month — the summary without
    economic code and project, a few times smaller; read when a query needs neither."""

    unit_code = models.CharField(max_length=30)
    function_code = models.CharField(max_length=12)
    budget_type = models.PositiveSmallIntegerField(choices=BudgetType.choices)

    class Meta:
        verbose_name = _("payment summary")
        verbose_name_plural = _("payment summaries")
        indexes = [
            models.Index(fields=["region_code", "year", "month"], name="budget_rollup_month"),
            # the whole key, unit first: a unit's rows, and an import's lookup of each group it adds to
            models.Index(
                fields=["region_code", "year", "unit_code", "function_code", "budget_type", "month"],
                name="budget_rollup_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.unit_code} {self.function_code} {self.amount}"


class PaymentClassSummary(MonthlyTotals):
    """支付汇总（科目）: paid per functional code × economic code × budget type × month, all units
    together — the county's view by classification, read when a query neither names units nor
    projects. Its size is bounded by the classification, not by the number of units or projects
    (at 10^6 synthetic payments: 131,881 rows against the fine summary's 591,354)."""

    function_code = models.CharField(max_length=12)
    econ_code = models.CharField(max_length=12, blank=True)
    budget_type = models.PositiveSmallIntegerField(choices=BudgetType.choices)

    class Meta:
        verbose_name = _("payment summary")
        verbose_name_plural = _("payment summaries")
        indexes = [
            # every column, month first: a whole year or a range of months reads this index alone
            models.Index(
                fields=[
                    "region_code",
                    "year",
                    "month",
                    "function_code",
                    "budget_type",
                    "econ_code",
                    "amount",
                    "payments",
                ],
                name="budget_class_month_all",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.function_code} {self.econ_code} {self.amount}"


class PayeeSummary(MonthlyTotals):
    """支付汇总（收款人）: paid per payee (name and type) × month, kept up to date at every payments
    import like :class:`PaymentSummary`; the largest payees are read from it, so that the
    dashboard never groups the payments themselves."""

    payee_name = models.CharField(max_length=200, blank=True)
    payee_type = models.CharField(max_length=4, choices=Payment.PayeeType.choices, blank=True)

    class Meta:
        verbose_name = _("payee summary")
        verbose_name_plural = _("payee summaries")
        indexes = [
            # the whole key, month first: a range of months, and an import's lookup of each group
            # it adds to
            models.Index(
                fields=["region_code", "year", "month", "payee_name", "payee_type"], name="budget_payee_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.payee_name} {self.amount}"


class Revenue(models.Model):
    """收入: the month's revenue by revenue item (收入科目) and budget type."""

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    item_code = models.CharField(_("revenue item code"), max_length=12)
    item_name = models.CharField(_("revenue item name"), max_length=100, blank=True)
    budget_type = models.PositiveSmallIntegerField(_("budget type"), choices=BudgetType.choices)
    amount = money(_("amount"))
    # 年度预算数: the item's budget for the year, repeated on each month's row (optional column)
    budget_amount = models.DecimalField(_("annual budget"), null=True, blank=True, **MONEY)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["month", "item_code"]
        verbose_name = _("revenue")
        verbose_name_plural = _("revenue")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "month", "item_code", "budget_type"],
                name="budget_revenue_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.item_code} {self.amount}"


class Debt(models.Model):
    """政府债务: limit (限额) and balance (余额) by debt type, per month."""

    class DebtType(models.TextChoices):
        GENERAL = "一般债务", _("General debt")
        SPECIAL = "专项债务", _("Special debt")

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    debt_type = models.CharField(_("debt type"), max_length=8, choices=DebtType.choices)
    limit_amount = money(_("limit"))
    balance = money(_("balance"))
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["month", "debt_type"]
        verbose_name = _("government debt")
        verbose_name_plural = _("government debt")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "month", "debt_type"], name="budget_debt_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.debt_type}"
