"""Forms of 代表活动: the activity, invitations, answers, leave decisions, 补签, closing, files."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.core.forms import StyledForm
from renda.deputies.models import DeputyGroup, Level
from renda.deputies.models.activities import Activity, ActivityFile, ActivityKind, Invitation


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ActivityForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    organiser_kind = forms.ChoiceField(label=_("Organised by"), choices=Activity.Organiser.choices)
    group = forms.ModelChoiceField(
        label=_("Deputy group"),
        queryset=DeputyGroup.objects.none(),
        required=False,
        help_text=_("Only when a deputy group organises the activity."),
    )
    organiser_name = forms.CharField(
        label=_("Organiser's name"),
        max_length=80,
        required=False,
        help_text=_("Leave empty to use the office's or the group's name."),
    )
    start_at = forms.DateTimeField(
        label=_("Starts at"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    end_at = forms.DateTimeField(
        label=_("Ends at"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    agenda = forms.CharField(
        label=_("Agenda"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = DeputyGroup.objects.filter(term__is_current=True).select_related("term")
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_at"), data.get("end_at")
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and end <= start:
            self.add_error("end_at", _("The end must be after the start."))
        return data


class InviteForm(StyledForm):
    """邀请: a group, a level's deputies, a station's deputies (a module above), or chosen deputies."""

    group = forms.ModelChoiceField(
        label=_("A deputy group"), queryset=DeputyGroup.objects.none(), required=False
    )
    level = forms.ChoiceField(
        label=_("All deputies of a level"), choices=[("", "—"), *Level.choices], required=False
    )
    station = forms.TypedChoiceField(
        label=_("A liaison station's deputies"), coerce=int, required=False, choices=[]
    )
    deputies = forms.TypedMultipleChoiceField(
        label=_("Chosen deputies"), coerce=int, required=False, choices=[]
    )

    def __init__(
        self,
        *args: Any,
        station_choices: list[tuple[int, str]] | None = None,
        deputy_ids: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = DeputyGroup.objects.filter(term__is_current=True)  # type: ignore[attr-defined]
        if station_choices:
            self.fields["station"].choices = [("", "—"), *station_choices]  # type: ignore[attr-defined]
        else:
            del self.fields["station"]
        self.fields["deputies"].choices = [(pk, str(pk)) for pk in (deputy_ids or [])]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("group") or data.get("level") or data.get("station") or data.get("deputies")):
            raise forms.ValidationError(_("Choose a group, a level, a station or some deputies to invite."))
        return data


class AnswerForm(StyledForm):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            (Invitation.Answer.ATTEND, _("I will attend")),
            (Invitation.Answer.LEAVE, _("I ask for leave")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason for leave"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("answer") == Invitation.Answer.LEAVE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for leave."))
        return data


class LeaveDecisionForm(StyledForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class StaffSignInForm(StyledForm):
    reason = forms.CharField(label=_("Reason for signing in by hand"), max_length=200)


class CloseForm(StyledForm):
    minutes = forms.CharField(
        label=_("Minutes"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    photo = forms.FileField(label=_("Photo (JPG or PNG)"), required=False)


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)


class FileForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityFile.Kind.choices)
    upload = forms.FileField(label=_("File"))


def local_input(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
