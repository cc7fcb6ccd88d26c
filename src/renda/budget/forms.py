"""Forms of the budget module: the 查询 filters and the upload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.budget.import_engine.package_zip import check_package_zip
from renda.budget.import_engine.sources import UnreadableFile
from renda.budget.interface import KINDS
from renda.budget.models import BudgetType, ImportBatch
from renda.budget.selectors.query import GROUPS, BudgetFilter, group_labels
from renda.core.forms import StyledForm

UPLOAD_MAX_BYTES = 2 * 1024**3


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _money(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, max_digits=18, decimal_places=2, min_value=Decimal("-1e16")
    )


class QueryForm(StyledForm):
    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)
    as_of = _date(_("As of"))
    budget_type = forms.TypedChoiceField(label=_("Budget type"), coerce=int, required=False, empty_value=None)
    unit = forms.CharField(label=_("Unit code (with sub-units)"), max_length=30, required=False)
    function = forms.RegexField(
        label=_("Functional code begins with"),
        regex=r"^\d{0,7}$",
        required=False,
        error_messages={"invalid": _("Digits only, up to 7.")},
    )
    econ = forms.RegexField(
        label=_("Economic code begins with"),
        regex=r"^\d{0,5}$",
        required=False,
        error_messages={"invalid": _("Digits only, up to 5.")},
    )
    project = forms.CharField(label=_("Project code"), max_length=40, required=False)
    payee = forms.CharField(label=_("Payee contains"), max_length=100, required=False)
    voucher = forms.CharField(label=_("Voucher number begins with"), max_length=40, required=False)
    amount_min = _money(_("Amount from"))
    amount_max = _money(_("Amount to"))
    date_from = _date(_("Paid from"))
    date_to = _date(_("Paid to"))
    group = forms.ChoiceField(label=_("Group by"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.years = years or [this_year]
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.ChoiceField)
        year_field.choices = [(y, str(y)) for y in self.years]
        budget_type = self.fields["budget_type"]
        assert isinstance(budget_type, forms.ChoiceField)
        budget_type.choices = [("", _("All four budgets")), *BudgetType.choices]
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        labels = group_labels()
        group.choices = [(g, labels[g]) for g in GROUPS]

    def clean(self):
        data = super().clean() or {}
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The upper amount is below the lower amount."))
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> BudgetFilter:
        if not self.is_bound or not self.is_valid():
            return BudgetFilter(year=self.years[0])
        d = self.cleaned_data
        return BudgetFilter(
            year=d["year"],
            as_of=d.get("as_of"),
            budget_type=d.get("budget_type") or None,
            unit=d["unit"].strip(),
            function=d["function"],
            econ=d["econ"],
            project=d["project"].strip(),
            payee=d["payee"].strip(),
            voucher=d["voucher"].strip(),
            amount_min=d.get("amount_min"),
            amount_max=d.get("amount_max"),
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            group=d.get("group") or "function1",
        )


class UploadForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind of data"), choices=[(k, ImportBatch.Kind(k).label) for k in KINDS])
    year = forms.IntegerField(label=_("Fiscal year"), min_value=1990, max_value=2100)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or XLSX by the data interface specification, or a Fiscal Data Package as a ZIP file"
            " (datapackage.json with its CSV files)."
        ),
    )
    budget_type = forms.TypedChoiceField(
        label=_("Budget type of rows that carry none"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A Fiscal Data Package only; without a choice, the general public budget."),
    )
    dry_run = forms.BooleanField(label=_("Only check, do not import"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = dt.date.today().year
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.xlsx,.zip"
        budget_type = self.fields["budget_type"]
        assert isinstance(budget_type, forms.ChoiceField)
        budget_type.choices = [("", "—"), *BudgetType.choices]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 GB."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if self.is_package(upload):
            try:
                check_package_zip(upload, label=upload.name)
            except UnreadableFile as exc:
                raise forms.ValidationError(str(exc), code="bad_package") from exc
        return upload

    @staticmethod
    def is_package(upload) -> bool:
        """A Fiscal Data Package uploaded as a .zip (imported by its model's mapping)."""
        return (upload.name or "").lower().endswith(".zip")

    def file_format(self) -> str:
        return "fdp" if self.is_package(self.cleaned_data["file"]) else "auto"
