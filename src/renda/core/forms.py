"""Form helpers shared by every module: Bootstrap classes and accessible error wiring."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from renda.core.models import CalendarDay


class StyledFormMixin:
    """Give widgets Bootstrap classes; after validation tie each error to its field (aria)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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


# --- the working-day calendar (工作日历) ------------------------------------------------------------

CALENDAR_IMPORT_MAX_BYTES = 1_000_000


class CalendarDayForm(StyledForm):
    """Add or change one exception day of the working calendar."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(
        label=_("Festival"), max_length=40, required=False,
        help_text=_("As in the State Council's notice, for example 春节 or 国庆节."),
    )


class CalendarImportForm(StyledForm):
    """Upload one year's holiday arrangements as CSV (date,kind,festival)."""

    year = forms.IntegerField(
        label=_("Year"), min_value=2000, max_value=2100, required=False,
        help_text=_("Dates outside this year are rejected. Leave it empty to accept any year."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_("Columns date,kind,festival; kind is holiday (day off) or workday (adjusted working day)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CALENDAR_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return upload
