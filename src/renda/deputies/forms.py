"""Forms of the deputies module: a self-reported archive entry (履职填报)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from renda.core.forms import FilterableSelect, StyledForm
from renda.core.people import person_label
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


class ReviewerChoiceField(forms.ModelChoiceField):
    """A staff member or deputy by name, with their office or role to tell namesakes apart."""

    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class GroupReviewerForm(StyledForm):
    """指定初审人: a group and the person who reviews its entries first."""

    group: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Delegation or group"),
        queryset=None,  # set in __init__
        empty_label=_("Choose a group"),
        widget=FilterableSelect(placeholder=_("Type to find a group")),
    )
    user = ReviewerChoiceField(
        label=_("Reviewer"),
        queryset=None,
        empty_label=_("Choose a person"),
        widget=FilterableSelect(placeholder=_("Type a name to find a person")),
        help_text=_("A staff member (such as a town's clerk) or a deputy (such as the group leader)."),
    )

    def __init__(self, *args: Any, groups: Any, users: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]
        group_field: Any = self.fields["group"]
        group_field.label_from_instance = lambda g: (
            gettext("%(name)s (%(role)s)")
            % {
                "name": g.name,
                "role": g.term.name,
            }
        )
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
