"""Forms of 预警: running the rules for a year as of a date, and a rule's parameters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from renda.budget.models import BudgetType
from renda.budget.warning_rules.params import (
    BUDGET_TYPES,
    CODES,
    INT,
    MONEY,
    PER_BUDGET_TYPE,
    PERCENT,
    SCHEMAS,
    Param,
    validate_params,
)
from renda.core.forms import StyledForm


class WarningsRunForm(StyledForm):
    year = forms.IntegerField(label=_("Fiscal year"), min_value=1990, max_value=2100)
    as_of = forms.DateField(
        label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _number_field(param: Param, label: Any) -> forms.Field:
    low = param.minimum if param.minimum is not None and not param.exclusive_minimum else None
    high = param.maximum
    if param.kind == INT:
        return forms.IntegerField(
            label=label,
            help_text=str(param.help),
            min_value=None if low is None else int(low),
            max_value=None if high is None else int(high),
        )
    return forms.DecimalField(
        label=label,
        help_text=str(param.help),
        max_digits=18,
        decimal_places=2 if param.kind in (MONEY, PERCENT) else 3,
        min_value=low,
        max_value=high,
    )


class WarningRuleForm(StyledForm):
    """A rule's switch and parameters; the rule catalogue's checks run in :meth:`clean` (the
    service runs them again when it saves)."""

    enabled = forms.BooleanField(label=_("Rule switched on"), required=False)

    def __init__(self, *args, code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code
        self.schema = SCHEMAS[code]
        for param in self.schema:
            if param.kind == PER_BUDGET_TYPE:
                for bt in BUDGET_TYPES:
                    colon = pgettext("label colon", ": ")
                    field = _number_field(param, f"{param.label}{colon}{BudgetType(int(bt)).label}")
                    self.fields[f"{param.name}_{bt}"] = field
            elif param.kind == CODES:
                self.fields[param.name] = forms.CharField(
                    label=str(param.label),
                    help_text=str(param.help),
                    required=not param.allow_empty,
                    max_length=2000,
                )
            else:
                self.fields[param.name] = _number_field(param, param.label)
        # The mixin styled the widgets before these fields were added: style the parameters too.
        for name, field in self.fields.items():
            if name != "enabled":
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} form-control".strip()

    @staticmethod
    def initial_for(code: str, enabled: bool, values: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {"enabled": enabled}
        for param in SCHEMAS[code]:
            value = values[param.name]
            if param.kind == PER_BUDGET_TYPE:
                for bt in BUDGET_TYPES:
                    initial[f"{param.name}_{bt}"] = Decimal(str(value[bt]))
            elif param.kind == CODES:
                initial[param.name] = ", ".join(value)
            else:
                initial[param.name] = value
        return initial

    def params(self) -> dict[str, Any]:
        """The parameters as the service takes them (after :meth:`is_valid`)."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for param in self.schema:
            if param.kind == PER_BUDGET_TYPE:
                out[param.name] = {bt: data.get(f"{param.name}_{bt}") for bt in BUDGET_TYPES}
            else:
                out[param.name] = data.get(param.name)
        return out

    def apply_errors(self, error: ValidationError) -> None:
        """Put the catalogue's messages on the fields they concern."""
        for name, messages in error.message_dict.items():
            param = next((p for p in self.schema if p.name == name), None)
            if param is not None and param.kind == PER_BUDGET_TYPE:
                field: str | None = f"{name}_{BUDGET_TYPES[0]}"
                for bt in BUDGET_TYPES:
                    label = str(BudgetType(int(bt)).label)
                    if any(m.startswith(label) for m in messages):
                        field = f"{name}_{bt}"
                        break
            else:
                field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                validate_params(self.code, self.params())
            except ValidationError as error:
                self.apply_errors(error)
        return data
