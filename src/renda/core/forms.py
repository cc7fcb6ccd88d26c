"""Forms of the core module: the shared Bootstrap/aria mixin, the calendar forms, the audit filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from renda.core.audit_display import module_choices, object_type_label
from renda.core.audit_labels import action_label
from renda.core.models import AuditEvent, CalendarDay
from renda.core.params import EARLIEST_DATE, LATEST_DATE, MAX_DB_INT
from renda.core.selectors import AuditFilter
from renda.core.text import strip_control, strip_control_deep


def clean_form_data(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A copy of a form's submitted ``data`` whose text holds no control characters.

    Every form of the platform gets its data through here (``StyledFormMixin``), so a vertical
    tab or a NUL pasted into a title never reaches a service, the database or an export.
    """
    if isinstance(data, MultiValueDict):
        cleaned = data.copy()  # a QueryDict's copy is mutable
        for key, values in data.lists():
            cleaned.setlist(key, [strip_control(v) if isinstance(v, str) else v for v in values])
        return cleaned
    return {key: strip_control_deep(value) for key, value in data.items()}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (``<input type=file multiple>``); cleans to a list (maybe empty).

    ``accept`` (e.g. ``"image/jpeg,image/png,application/pdf"``) tells the browser's file picker
    which files to offer; the module's service still checks each file's type and size.
    """

    def __init__(self, *args: Any, accept: str = "", **kwargs: Any) -> None:
        attrs: dict[str, Any] = {"multiple": True}
        if accept:
            attrs["accept"] = accept
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


if TYPE_CHECKING:  # the mixin is only ever mixed into a form: type-check it as one
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class StyledFormMixin(_FormBase):
    """Give widgets Bootstrap classes; after validation tie each error to its field (aria).

    The submitted text loses its control characters first (see ``renda.core.text``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound and self.data:
            self.data = clean_form_data(self.data)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{bound.auto_id}-error"


class StyledForm(StyledFormMixin, forms.Form):
    pass


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, except that an id past what the database holds (``10^23``) is "not one of the
    choices" instead of an overflow in the database driver (Django bounds ``pk=`` lookups but
    not ``pk__in=``)."""

    def _check_values(self, value: Any) -> Any:
        key = self.to_field_name or "pk"
        assert self.queryset is not None  # a ModelMultipleChoiceField is always given one
        meta = self.queryset.model._meta
        field = meta.pk if key == "pk" else meta.get_field(key)
        if isinstance(field, models.IntegerField):  # AutoField and BigAutoField too
            for item in value:
                try:
                    number = int(str(item))
                except (TypeError, ValueError):
                    continue  # Django refuses it as "not a valid value"
                if not -MAX_DB_INT - 1 <= number <= MAX_DB_INT:
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                    )
        # Django's private helper, which django-stubs does not declare
        return super()._check_values(value)  # type: ignore[misc]


# --- the working-day calendar (工作日历) ------------------------------------------------------------

CALENDAR_IMPORT_MAX_BYTES = 1_000_000


class CalendarDayForm(StyledForm):
    """Add or change one exception day of the working calendar."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(
        label=_("Festival"),
        max_length=40,
        required=False,
        help_text=_("As in the State Council's notice, for example Spring Festival or National Day."),
    )


class CalendarImportForm(StyledForm):
    """Upload one year's holiday arrangements as CSV (date,kind,festival)."""

    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("Dates outside this year are rejected. Leave it empty to accept any year."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_("Columns date,kind,festival; kind is holiday (day off) or workday (worked weekend day)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CALENDAR_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return upload


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a valid date, like 2026-03-15.")},
    )


class AuditFilterForm(StyledForm):
    actor = forms.CharField(
        label=_("Actor"), max_length=150, required=False, help_text=_("User name or real name")
    )
    # A module (its action prefix, e.g. "suggestions.") chosen by name; a link may still carry a
    # longer prefix or a whole action code, which filters the same way.
    action = forms.CharField(label=_("Module"), max_length=80, required=False, widget=forms.Select)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    object_type = forms.CharField(label=_("Object type"), max_length=80, required=False, widget=forms.Select)
    object_id = forms.CharField(label=_("Object ID"), max_length=64, required=False)
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))

    def __init__(self, *args, object_types: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = [("", _("All")), *AuditEvent.Outcome.choices]
        self.object_types = list(object_types)
        modules = module_choices()
        chosen = str(self.data.get("action", "") or "") if self.is_bound else ""
        if chosen and chosen not in dict(modules):
            modules.append((chosen, action_label(chosen) if "." in chosen.rstrip(".") else chosen))
        self.fields["action"].widget.choices = modules
        types = [("", _("All kinds")), *((t, object_type_label(t)) for t in self.object_types)]
        chosen_type = str(self.data.get("object_type", "") or "") if self.is_bound else ""
        if chosen_type and chosen_type not in dict(types):
            types.append((chosen_type, object_type_label(chosen_type)))
        self.fields["object_type"].widget.choices = types

    def _clean_date(self, name: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                _("Enter a date between %(earliest)s and %(latest)s."),
                params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            )
        return value

    def clean_date_from(self) -> dt.date | None:
        return self._clean_date("date_from")

    def clean_date_to(self) -> dt.date | None:
        return self._clean_date("date_to")

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> AuditFilter:
        """The filter to hand the selector: empty when the form is unbound or not valid."""
        if not self.is_bound or not self.is_valid():
            return AuditFilter()
        data = self.cleaned_data
        return AuditFilter(
            actor=data["actor"].strip(),
            action=data["action"].strip(),
            outcome=data["outcome"],
            object_type=data["object_type"].strip(),
            object_id=data["object_id"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class FilterableSelect(forms.Select):
    """A plain ``<select>`` that renda.js gives a text filter (``data-filter`` is its placeholder) and
    that can follow other fields: ``follow="id_town:towns"`` shows only the options whose ``data-towns``
    holds the value chosen in ``#id_town``. ``option_data`` gives each option's data attributes by value.
    Without script it stays an ordinary select."""

    def __init__(
        self,
        *args: Any,
        placeholder: Any = "",
        follow: str = "",
        option_data: Mapping[str, Mapping[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.placeholder, self.follow, self.option_data = placeholder, follow, option_data or {}

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = {**(attrs or {}), "data-filter": str(self.placeholder)}
        if self.follow:
            attrs["data-follow"] = self.follow
        return super().get_context(name, value, attrs)

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        key = str(getattr(value, "value", value) or "")
        for data_name, data_value in self.option_data.get(key, {}).items():
            option["attrs"][f"data-{data_name}"] = data_value
        return option


class FilterableSelectMultiple(FilterableSelect, forms.SelectMultiple):
    """The same for a multiple choice (selected options stay visible whatever the filter)."""

    allow_multiple_selected = True
