"""Forms of the budget reports: which period to report on."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from renda.budget.selectors.reports import ReportPeriod
from renda.core.forms import StyledForm


def period_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Quarters, half-years and months, grouped; each value is ``kind:number``."""
    return [
        (
            str(_("Quarter")),
            [
                ("quarter:1", str(_("First quarter"))),
                ("quarter:2", str(_("Second quarter"))),
                ("quarter:3", str(_("Third quarter"))),
                ("quarter:4", str(_("Fourth quarter"))),
            ],
        ),
        (str(_("Half-year")), [("half:1", str(_("First half"))), ("half:2", str(_("Second half")))]),
        (
            str(_("Month")),
            [(f"month:{n}", str(_("Month %(number)s") % {"number": n})) for n in range(1, 13)],
        ),
    ]


class ReportForm(StyledForm):
    """生成报告: a fiscal year and one of its months, quarters or half-years."""

    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)
    period = forms.ChoiceField(label=_("Report period"))

    def __init__(self, *args, years: list[int], initial_period: ReportPeriod | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        year, period = self.fields["year"], self.fields["period"]
        assert isinstance(year, forms.ChoiceField) and isinstance(period, forms.ChoiceField)
        year.choices = [(y, str(y)) for y in years]
        period.choices = period_choices()
        if initial_period is not None and not self.is_bound:
            self.initial.setdefault("year", initial_period.year)
            self.initial.setdefault("period", f"{initial_period.kind}:{initial_period.number}")

    def period_parts(self) -> tuple[str, int]:
        """The chosen period as (kind, number); call after ``is_valid()``."""
        kind, number = self.cleaned_data["period"].split(":")
        return kind, int(number)
