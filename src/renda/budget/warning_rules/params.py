"""规则参数: what each rule's parameters are (kind, range, label), how administrators' values are
checked, and the effective parameters a rule runs with (the stored values over the defaults).

Stored values (``WarningRule.params``) are JSON: whole numbers as numbers, amounts and
percentages as numbers when whole, otherwise as decimal strings ("12.5"); code lists as lists of
strings; the large-payment thresholds as ``{"1": …, "2": …, "3": …, "4": …}`` by budget type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from renda.budget.models import BudgetType, ClassificationItem, Scheme
from renda.budget.warning_rules.registry import RULES

INT, MONEY, PERCENT, DECIMAL, CODES, PER_BUDGET_TYPE = (
    "int",
    "money",
    "percent",
    "decimal",
    "codes",
    "per_budget_type",
)
MAX_MONEY = Decimal("1e14")
BUDGET_TYPES = [str(v) for v in BudgetType.values]


@dataclass(frozen=True)
class Param:
    name: str
    label: str | Promise
    kind: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    help: str | Promise = ""
    code_lengths: tuple[int, ...] = (3, 5)
    allow_empty: bool = False  # a code list that may be empty
    exclusive_minimum: bool = False


def _p(name, label, kind, minimum=None, maximum=None, help="", **extra) -> Param:
    return Param(
        name,
        label,
        kind,
        None if minimum is None else Decimal(str(minimum)),
        None if maximum is None else Decimal(str(maximum)),
        help,
        **extra,
    )


SCHEMAS: dict[str, tuple[Param, ...]] = {
    "EXEC_LAG": (
        _p(
            "lag_points",
            gettext_lazy("Lag beyond which a warning is raised (percentage points)"),
            PERCENT,
            0,
            100,
            exclusive_minimum=True,
        ),
        _p(
            "red_points",
            gettext_lazy("Lag beyond which the warning is red (percentage points)"),
            PERCENT,
            0,
            100,
            exclusive_minimum=True,
        ),
        _p(
            "min_indicator",
            gettext_lazy("Indicators below this amount are ignored (yuan)"),
            MONEY,
            0,
            MAX_MONEY,
        ),
    ),
    "YEAR_END_RUSH": (
        _p(
            "december_share",
            gettext_lazy("December share of the year's payments for red (%)"),
            PERCENT,
            0,
            100,
            exclusive_minimum=True,
        ),
        _p(
            "jan_nov_execution",
            gettext_lazy("…while January to November paid under this share of the indicator (%)"),
            PERCENT,
            0,
            100,
            exclusive_minimum=True,
        ),
        _p(
            "fourth_quarter_share",
            gettext_lazy("Fourth-quarter share of the year's payments for yellow (%)"),
            PERCENT,
            0,
            100,
            exclusive_minimum=True,
        ),
        _p(
            "min_annual",
            gettext_lazy("Units that paid less than this in the year are ignored (yuan)"),
            MONEY,
            0,
            MAX_MONEY,
        ),
    ),
    "NO_INDICATOR": (),
    "OVER_INDICATOR": (),
    "THREE_PUBLIC_OVER": (
        _p(
            "econ_codes",
            gettext_lazy("Economic codes of the three public expenses"),
            CODES,
            help=gettext_lazy(
                "Economic classification codes of 3 or 5 digits, separated by commas or spaces."
            ),
        ),
    ),
    "LARGE_PAYMENT": (
        _p(
            "threshold",
            gettext_lazy("Large payment from (yuan)"),
            PER_BUDGET_TYPE,
            0,
            MAX_MONEY,
            exclusive_minimum=True,
        ),
    ),
    "SPLIT_PAYMENT": (
        _p("min_payments", gettext_lazy("At least this many payments"), INT, 2, 1000),
        _p("window_days", gettext_lazy("Within this many days"), INT, 1, 366),
        _p(
            "procurement_threshold",
            gettext_lazy("Procurement threshold (yuan)"),
            MONEY,
            0,
            MAX_MONEY,
            exclusive_minimum=True,
        ),
    ),
    "DUPLICATE_PAYMENT": (_p("window_days", gettext_lazy("Within this many days"), INT, 0, 366),),
    "INDIVIDUAL_LARGE": (
        _p(
            "threshold",
            gettext_lazy("Payment to an individual from (yuan)"),
            MONEY,
            0,
            MAX_MONEY,
            exclusive_minimum=True,
        ),
        _p(
            "exempt_econ_prefixes",
            gettext_lazy("Economic codes exempted (payments to individuals and families)"),
            CODES,
            help=gettext_lazy(
                "Economic classification codes of 3 or 5 digits, separated by commas or spaces; may be empty."
            ),
            allow_empty=True,
        ),
    ),
    "NON_WORKDAY": (),
    "PROJECT_IDLE": (
        _p("min_indicator", gettext_lazy("Project indicators from (yuan)"), MONEY, 0, MAX_MONEY),
        _p("idle_days", gettext_lazy("No payment for this many days before the as-of date"), INT, 1, 366),
        _p("max_execution", gettext_lazy("Execution under (%)"), PERCENT, 0, 100, exclusive_minimum=True),
    ),
    "BIG_ADJUSTMENT": (
        _p(
            "max_change",
            gettext_lazy("Largest change from the original amount (%)"),
            PERCENT,
            0,
            1000,
            exclusive_minimum=True,
        ),
    ),
    "OUTLIER": (
        _p("sigmas", gettext_lazy("Standard deviations above the mean"), DECIMAL, 1, 10),
        _p("min_group", gettext_lazy("Only groups of at least this many payments"), INT, 3, 1000000),
    ),
}
assert set(SCHEMAS) == set(RULES), "every rule code has a parameter schema"
for _code, _schema in SCHEMAS.items():
    assert {p.name for p in _schema} == set(RULES[_code].defaults), f"{_code}: schema and defaults differ"


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    result = Decimal(str(value).strip().replace(",", ""))
    if not result.is_finite():
        raise InvalidOperation
    return result


def split_codes(value: Any) -> list[str]:
    """Codes from a list or from text separated by commas, spaces or 、 (kept in order, once)."""
    if isinstance(value, str):
        for sep in ("，", "、", ";", "；", "\n", "\t", " "):
            value = value.replace(sep, ",")
        items = value.split(",")
    elif isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        raise TypeError
    seen: list[str] = []
    for item in (i.strip() for i in items):
        if item and item not in seen:
            seen.append(item)
    return seen


def _stored_number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else format(value.normalize(), "f")


def _known_econ_codes() -> set[str] | None:
    codes = set(
        ClassificationItem.objects.filter(scheme__in=[Scheme.ECON_GOV, Scheme.ECON_DEPT]).values_list(
            "code", flat=True
        )
    )
    return codes or None


def _figure(value: Decimal | None) -> str:
    """A bound as people write it: 100,000,000,000,000 (not 1E+14), 0.5."""
    if value is None:
        return ""
    return f"{int(value):,}" if value == value.to_integral_value() else format(value.normalize(), "f")


def _check_range(param: Param, value: Decimal) -> str | None:
    low, high = param.minimum, param.maximum
    too_low = low is not None and (value <= low if param.exclusive_minimum else value < low)
    if too_low or (high is not None and value > high):
        if param.exclusive_minimum:
            return _("Enter a number above %(min)s and at most %(max)s.") % {
                "min": _figure(low),
                "max": _figure(high),
            }
        return _("Enter a number from %(min)s to %(max)s.") % {"min": _figure(low), "max": _figure(high)}
    return None


def _clean_one(param: Param, raw: Any, known_codes: set[str] | None, dropped: list[str] | None = None) -> Any:
    """The JSON value to store for ``param``; raises ValidationError with a clear message.

    Codes the classification does not hold are refused, unless ``dropped`` is given: then they
    are left out of the value and appended to it (a rule runs with the codes that exist)."""
    if param.kind == CODES:
        try:
            codes = split_codes(raw if raw is not None else "")
        except TypeError:
            raise ValidationError(_("Enter codes separated by commas.")) from None
        bad = [c for c in codes if not c.isdigit() or len(c) not in param.code_lengths]
        if bad:
            raise ValidationError(
                _("Not an economic code of 3 or 5 digits: %(codes)s")
                % {"codes": pgettext("list separator", ", ").join(bad[:10])}
            )
        if not codes and not param.allow_empty:
            raise ValidationError(_("Enter at least one code."))
        if known_codes is not None:
            unknown = [c for c in codes if c not in known_codes]
            if unknown and dropped is None:
                raise ValidationError(
                    _("No such economic classification code: %(codes)s")
                    % {"codes": pgettext("list separator", ", ").join(unknown[:10])}
                )
            if unknown and dropped is not None:
                dropped.extend(unknown)
                codes = [c for c in codes if c in known_codes]
        return codes
    if param.kind == PER_BUDGET_TYPE:
        if not isinstance(raw, Mapping):
            raise ValidationError(_("Enter a threshold for each of the four budgets."))
        out: dict[str, int | str] = {}
        for bt in BUDGET_TYPES:
            label = BudgetType(int(bt)).label
            try:
                value = _decimal(raw.get(bt, raw.get(int(bt), "")))
            except (InvalidOperation, ValueError):
                raise ValidationError(_("%(budget)s: enter an amount in yuan.") % {"budget": label}) from None
            problem = _check_range(param, value) or (
                _("At most two decimal places.") if value != value.quantize(Decimal("0.01")) else None
            )
            if problem:
                raise ValidationError(f"{label}{pgettext('label colon', ': ')}{problem}")
            out[bt] = _stored_number(value.quantize(Decimal("0.01")))
        return out
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError(_("This parameter is required."))
    if param.kind == INT:
        try:
            number = _decimal(raw)
        except (InvalidOperation, ValueError):
            raise ValidationError(_("Enter a whole number.")) from None
        if number != number.to_integral_value():
            raise ValidationError(_("Enter a whole number."))
        problem = _check_range(param, number)
        if problem:
            raise ValidationError(problem)
        return int(number)
    try:
        number = _decimal(raw)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter a number.")) from None
    problem = _check_range(param, number)
    if problem:
        raise ValidationError(problem)
    places = Decimal("0.01") if param.kind in (MONEY, PERCENT) else Decimal("0.001")
    if number != number.quantize(places):
        raise ValidationError(
            _("At most %(places)s decimal places.") % {"places": 2 if places == Decimal("0.01") else 3}
        )
    return _stored_number(number)


def validate_params(
    code: str, raw: Mapping[str, Any], *, unknown_codes: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The parameters to store for rule ``code``, checked; raises ``ValidationError`` with a
    message per parameter (``error.message_dict``) when a value is wrong.

    A code that the classification does not hold is an error, unless ``unknown_codes`` is given:
    then it is left out and listed there under its parameter's name (what a run does)."""
    schema = SCHEMAS[code]
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    known = _known_econ_codes() if any(p.kind == CODES for p in schema) else None
    for param in schema:
        dropped: list[str] | None = None if unknown_codes is None else []
        try:
            clean[param.name] = _clean_one(param, raw.get(param.name), known, dropped)
        except ValidationError as error:
            errors[param.name] = list(error.messages)
        else:
            if dropped and unknown_codes is not None:
                unknown_codes[param.name] = dropped
    unknown = sorted(set(raw) - {p.name for p in schema})
    if unknown:
        errors.setdefault("__all__", []).append(
            _("Unknown parameters: %(names)s") % {"names": ", ".join(unknown)}
        )
    if (
        code == "EXEC_LAG"
        and not errors
        and Decimal(str(clean["red_points"])) < Decimal(str(clean["lag_points"]))
    ):
        errors["red_points"] = [_("The red limit cannot be below the warning limit.")]
    if errors:
        raise ValidationError(errors)
    return clean


@dataclass(frozen=True)
class Resolved:
    """The parameters a rule runs with (typed), and the codes left out of its code lists because
    the classification does not hold them, by parameter name."""

    values: dict[str, Any]
    missing_codes: dict[str, list[str]]


def resolve_params(code: str, stored: Mapping[str, Any] | None) -> Resolved:
    """The parameters a rule runs with, typed (Decimal amounts and percentages, int counts, code
    lists, thresholds by budget type): stored values over the registry defaults. A stored value
    that no longer passes the checks falls back to the default (all of them, when even that
    fails). Never raises for a code the classification lacks: a county that imports its own,
    smaller classification may lack codes of the defaults; the rule runs with the codes that
    exist and the others are listed in ``missing_codes``."""
    defaults = RULES[code].defaults
    merged = {**defaults, **{k: v for k, v in (stored or {}).items() if k in defaults}}

    def checked(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        missing: dict[str, list[str]] = {}
        return validate_params(code, raw, unknown_codes=missing), missing

    try:
        values, missing = checked(merged)
    except ValidationError as error:
        bad = set(error.message_dict)
        try:
            values, missing = checked({k: (defaults[k] if k in bad else v) for k, v in merged.items()})
        except ValidationError:  # e.g. a stored warning limit above the default red limit
            values, missing = checked(defaults)
    return Resolved(typed(code, values), missing)


def effective_params(code: str, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The typed parameters rule ``code`` runs with (see :func:`resolve_params`)."""
    return resolve_params(code, stored).values


def typed(code: str, values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for param in SCHEMAS[code]:
        value = values[param.name]
        if param.kind == INT:
            out[param.name] = int(value)
        elif param.kind == CODES:
            out[param.name] = list(value)
        elif param.kind == PER_BUDGET_TYPE:
            out[param.name] = {bt: Decimal(str(value[bt])) for bt in BUDGET_TYPES}
        else:
            out[param.name] = Decimal(str(value))
    return out


def display_value(param: Param, value: Any) -> str:
    """A parameter's value as the rules page shows it."""
    if param.kind == CODES:
        return pgettext("list separator", ", ").join(value) if value else "—"
    if param.kind == PER_BUDGET_TYPE:
        colon = pgettext("label colon", ": ")
        return pgettext("clause separator", "; ").join(
            f"{BudgetType(int(bt)).label}{colon}{Decimal(str(value[bt])):,.2f}" for bt in BUDGET_TYPES
        )
    if param.kind == MONEY:
        return f"{Decimal(str(value)):,.2f}"
    if param.kind == PERCENT:
        return f"{Decimal(str(value)).normalize():f}"
    return str(value)
