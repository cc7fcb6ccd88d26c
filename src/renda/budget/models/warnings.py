"""预警 and 服务: warning rules and their findings (with the 函询 workflow), and execution reports.

The rules themselves are code (``renda.budget.warning_rules``: one set-based SQL query per rule code);
this module keeps what is data about them: each rule's parameters and on/off switch per region,
each evaluation run, the findings it produced with their workflow state and history, the inquiry
letters (函询) sent about a finding with the unit's reply, and the execution analysis reports.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext, pgettext_lazy

from renda.budget.models.facts import default_region, money
from renda.core.workflow import WorkflowEvent


class Severity(models.TextChoices):
    """预警等级: yellow (提示) or red (严重)."""

    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class WarningRule(models.Model):
    """预警规则: a rule code's parameters and whether it runs, editable by administrators."""

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    code = models.CharField(_("rule code"), max_length=30)
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        constraints = [models.UniqueConstraint(fields=["region_code", "code"], name="budget_rule_unique")]

    def __str__(self) -> str:
        return self.code


class WarningRun(models.Model):
    """预警运行: one evaluation of every enabled rule for a year, as of a date."""

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    as_of = models.DateField(_("as of"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    found = models.PositiveIntegerField(_("findings"), default=0)
    new = models.PositiveIntegerField(_("new findings"), default=0)
    # {rule code: {"found": n, "new": n, "seconds": s}}
    per_rule = models.JSONField(_("per rule"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("warning run")
        verbose_name_plural = _("warning runs")

    def __str__(self) -> str:
        return f"{self.year} @ {self.as_of}"


class Finding(models.Model):
    """预警发现: what one rule found about one subject, kept single by its stable key.

    A re-run that finds the same thing (same rule, year and key) updates the figures and keeps the
    workflow state; one that no longer finds it marks it ``active=False`` (不再出现) without
    touching its state.
    """

    class State(models.TextChoices):
        NEW = "new", pgettext_lazy("finding state", "New")  # 新发现
        VERIFYING = "verifying", pgettext_lazy("finding state", "Verifying")  # 核实中
        INQUIRED = "inquired", pgettext_lazy("finding state", "Inquiry sent")  # 已函询
        REPLIED = "replied", pgettext_lazy("finding state", "Reply to review")  # 复函待审核 (answered online)
        EXPLAINED = "explained", pgettext_lazy("finding state", "Explained")  # 已说明
        RECTIFIED = "rectified", pgettext_lazy("finding state", "Rectified")  # 已整改
        CLOSED = "closed", pgettext_lazy("finding state", "Closed")  # 已销号
        FALSE_POSITIVE = "false_positive", pgettext_lazy("finding state", "False positive")  # 误报

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    rule_code = models.CharField(_("rule code"), max_length=30)
    key = models.CharField(_("finding key"), max_length=200)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices)
    unit_code = models.CharField(_("unit code"), max_length=30, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    amount = money(_("amount"))
    # {"vouchers": [...], "indicators": [...]} — the numbers behind the finding
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    message = models.TextField(_("message"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_findings",
    )
    active = models.BooleanField(_("found by the latest run"), default=True)
    first_as_of = models.DateField(_("first found as of"))
    last_as_of = models.DateField(_("last found as of"))
    first_run = models.ForeignKey(
        WarningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_run = models.ForeignKey(
        WarningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-last_as_of", "-id"]
        verbose_name = _("warning finding")
        verbose_name_plural = _("warning findings")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "rule_code", "key"], name="budget_finding_unique"
            )
        ]
        indexes = [
            models.Index(fields=["region_code", "year", "state"], name="budget_finding_state"),
            models.Index(fields=["region_code", "year", "rule_code"], name="budget_finding_rule"),
            models.Index(fields=["region_code", "year", "unit_code"], name="budget_finding_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.subject}"

    @property
    def title(self) -> str:
        """What was found, as a person reads it (:attr:`title_words` in the reader's language)."""
        from renda.core.words import render

        return render(self.title_words)

    @property
    def title_words(self) -> Any:
        """The title as words (a notice about the finding keeps them). Runs since issue 16 store it as
        the subject (unit, payee, amount); a finding stored earlier with a bare voucher or indicator
        number there is titled here (unit, rule, amount) until its next run rewrites the subject."""
        from renda.core.words import say

        evidence = self.evidence if isinstance(self.evidence, dict) else {}
        words = evidence.get("words")
        words = words if isinstance(words, dict) else {}
        if words.get("subject"):
            return words["subject"]
        numbers = {str(n) for key in ("vouchers", "indicators") for n in (evidence.get(key) or [])}
        if self.subject not in numbers:
            return self.subject
        from renda.budget.warning_rules.base import amount_words
        from renda.budget.warning_rules.registry import rule_name

        unit = getattr(self, "unit_name", "") or self.unit_code
        return say(
            gettext_noop("%(unit)s: %(rule)s %(amount)s (%(number)s)"),
            unit=unit,
            rule=rule_name(self.rule_code),
            amount=amount_words(self.amount),
            number=self.subject,
        )

    @property
    def description(self) -> str:
        """What was found in detail, in the reader's language (``message`` keeps the Chinese text the
        函询函 quotes; a finding stored before its words were kept shows that text)."""
        from renda.core.words import render

        evidence = self.evidence if isinstance(self.evidence, dict) else {}
        words = evidence.get("words")
        words = words if isinstance(words, dict) else {}
        return render(words["message"]) if words.get("message") else self.message


class FindingStep(WorkflowEvent):
    """处理记录: one step of a finding's workflow (who moved it where, why), with an optional file.

    Append-only (core's :class:`~renda.core.workflow.WorkflowEvent`): written once by the kernel.
    """

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="steps")
    attachment = models.FileField(_("attachment"), upload_to="budget/findings/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("file name"), max_length=150, blank=True)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("finding step")
        verbose_name_plural = _("finding steps")

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.from_state} → {self.to_state}"


class Inquiry(models.Model):
    """函询: a letter asking the unit to explain a finding, generated from the template, and the
    unit's reply (text and the scanned reply letter)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="inquiries")
    number = models.CharField(_("letter number"), max_length=60)
    recipient = models.CharField(pgettext_lazy("inquiry letter", "recipient"), max_length=200)
    body = models.TextField(_("letter"))
    reply_due = models.DateField(_("reply due"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The organisation whose clerks answer online (none: the letter goes on paper only).
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("answered online by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budget_inquiries",
    )
    reply_text = models.TextField(_("reply"), blank=True)
    reply_file = models.FileField(_("reply letter"), upload_to="budget/inquiries/%Y/%m/", blank=True)
    reply_file_name = models.CharField(_("file name"), max_length=150, blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    # An online reply (复函在线提交): who sent it, when, and what the unit says it did.
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply_submitted_at = models.DateTimeField(_("reply submitted at"), null=True, blank=True)
    reply_outcome = models.CharField(_("the unit says"), max_length=16, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        verbose_name = _("inquiry letter")
        verbose_name_plural = _("inquiry letters")

    def __str__(self) -> str:
        return self.number


class InquiryAttachment(models.Model):
    """复函附件: a file the unit uploaded with its online reply (served only after a permission check)."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="budget/inquiries/%Y/%m/")
    name = models.CharField(_("file name"), max_length=150)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("reply attachment")
        verbose_name_plural = _("reply attachments")

    def __str__(self) -> str:
        return self.name


class BudgetReport(models.Model):
    """预算执行分析报告: a month's, quarter's or half-year's report, kept as issued (Excel and PDF)."""

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        HALF = "half", _("Half-year")

    region_code = models.CharField(_("region code"), max_length=12, default=default_region)
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    period_kind = models.CharField(_("period"), max_length=8, choices=Period.choices)
    period = models.PositiveSmallIntegerField(_("period number"))  # month 1–12, quarter 1–4, half 1–2
    period_end = models.DateField(_("period end"))
    title = models.CharField(_("title"), max_length=200)
    figures = models.JSONField(_("headline figures"), default=dict, blank=True)
    excel_file = models.FileField(_("Excel file"), upload_to="budget/reports/%Y/", blank=True)
    pdf_file = models.FileField(_("PDF file"), upload_to="budget/reports/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("budget execution report")
        verbose_name_plural = _("budget execution reports")
        indexes = [models.Index(fields=["region_code", "-created_at"], name="budget_report_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """The report's name in the reader's language (``title`` is the Chinese document's own:
        2026年第三季度预算执行分析报告)."""
        values = {"year": self.year, "n": self.period}
        if self.period_kind == self.Period.MONTH:
            period = pgettext("report period", "%(n)s/%(year)s") % values
        elif self.period_kind == self.Period.QUARTER and 1 <= self.period <= 4:
            period = _QUARTERS[self.period - 1] % values
        elif self.period_kind == self.Period.HALF and 1 <= self.period <= 2:
            period = _HALVES[self.period - 1] % values
        else:
            return self.title
        return pgettext("report title", "Budget execution analysis, %(period)s") % {"period": period}


_QUARTERS = (
    pgettext_lazy("report period", "Q1 %(year)s"),
    pgettext_lazy("report period", "Q2 %(year)s"),
    pgettext_lazy("report period", "Q3 %(year)s"),
    pgettext_lazy("report period", "Q4 %(year)s"),
)
_HALVES = (
    pgettext_lazy("report period", "first half of %(year)s"),
    pgettext_lazy("report period", "second half of %(year)s"),
)
