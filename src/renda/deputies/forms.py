"""Forms of the deputies module: a self-reported archive entry (履职填报)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renda.core.forms import StyledForm
from renda.deputies.models.archive import SELF_REPORTED_SECTIONS, Kind
from renda.deputies.params import param


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ArchiveEntryForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("What kind of activity"),
        choices=[(k.value, k.label) for k in SELF_REPORTED_SECTIONS],
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("What you did"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    # a field named like BaseForm.files: the metaclass moves it into base_fields (see suggestions)
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Photos or files as evidence"),
        required=False,
        help_text=_("JPG, PNG or PDF; at most 6 files of 10 MB each."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        exts = param("ARCHIVE_EVIDENCE_EXTENSIONS")
        self.fields["files"].widget.attrs["accept"] = ",".join(f".{e}" for e in exts)
        self.fields["kind"].initial = Kind.VISIT_VOTERS
