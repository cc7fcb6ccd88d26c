"""Forms of the findings workflow (预警发现处置): the list filters and one form per act."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from renda.accounts.models import Organisation, User
from renda.budget.models import Finding, Severity
from renda.budget.selectors.findings import FindingFilter
from renda.budget.services.findings import REPLY_OUTCOMES, STATE_LABELS, finding_assignees, param
from renda.budget.warning_rules.registry import RULES
from renda.core.forms import MultipleFileField, StyledForm

State = Finding.State


def _date(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
    )


def _text(
    label, *, rows: int = 3, required: bool = True, max_length: int = 5000, **kwargs
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def _person(user: User) -> str:
    organisation = getattr(user, "organisation", None)
    return (
        f"{user.display_name}{pgettext('opening bracket', ' (')}"
        f"{organisation.short_name or organisation.name}{pgettext('closing bracket', ')')}"
        if organisation
        else user.display_name
    )


class FindingFilterForm(StyledForm):
    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False, empty_value=None)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    unit = forms.CharField(label=_("Unit code (with sub-units)"), max_length=30, required=False)
    assignee = forms.TypedChoiceField(label=_("Assigned to"), coerce=int, required=False, empty_value=None)
    active = forms.ChoiceField(
        label=_("Found by the latest run"),
        required=False,
        choices=[("", _("Either")), ("1", _("Yes")), ("0", _("No longer found"))],
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.years = years or [timezone.localdate().year]
        self._choices("year", [(y, str(y)) for y in self.years])
        self._choices("rule", [("", _("All rules")), *((c, s.name) for c, s in RULES.items())])
        self._choices("severity", [("", _("Both")), *Severity.choices])
        self._choices("state", [("", _("All states")), *STATE_LABELS.items()])
        self._choices("assignee", [("", _("Anyone")), *((u.pk, _person(u)) for u in finding_assignees())])

    def _choices(self, name: str, choices) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def to_filter(self) -> FindingFilter:
        if not self.is_bound or not self.is_valid():
            return FindingFilter(year=self.years[0])
        d = self.cleaned_data
        active = d.get("active")
        return FindingFilter(
            year=d.get("year") or self.years[0],
            rule=d.get("rule") or "",
            severity=d.get("severity") or "",
            state=d.get("state") or "",
            unit=(d.get("unit") or "").strip(),
            assignee=d.get("assignee"),
            mine=bool(d.get("mine")),
            active=None if not active else active == "1",
        )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return _person(obj)


class AssignForm(StyledForm):
    assignee = PersonChoiceField(label=_("Assign to"), queryset=User.objects.none())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = finding_assignees()
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[u.pk for u in people]).select_related("organisation")


class VerifyForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class InquireForm(StyledForm):
    recipient = forms.CharField(label=_("Addressee"), max_length=200)
    organisation = forms.ModelChoiceField(
        label=_("Answered online by"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Nobody: the letter goes on paper only"),
        help_text=_("The clerks of this unit see the letter on their workbench and answer it online."),
    )
    reply_due = _date(_("Reply due"))
    body = _text(
        _("Letter"),
        rows=16,
        max_length=20000,
        help_text=_(
            "Drafted from the template; edit it before sending. The letter number is given on sending."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(is_active=True).exclude(kind=Organisation.Kind.CONGRESS)

    def clean_reply_due(self) -> dt.date:
        due = self.cleaned_data["reply_due"]
        if due <= timezone.localdate():
            raise forms.ValidationError(_("The reply due date must be after today."))
        return due


class ReplyForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(s, STATE_LABELS[s]) for s in REPLY_OUTCOMES],
    )
    replied_on = _date(_("Replied on"), required=False)
    reply_text = _text(_("The unit's reply"), rows=4)
    reply_file = forms.FileField(label=_("Scanned reply letter"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replied_on"].initial = timezone.localdate()
        exts = param("FILE_EXTENSIONS")
        self.fields["reply_file"].widget.attrs["accept"] = ",".join(f".{e}" for e in exts)
        self.fields["reply_file"].help_text = _("%(types)s; at most %(mb)s MB.") % {
            "types": ", ".join(exts).upper(),
            "mb": param("FILE_MAX_BYTES") // (1024 * 1024),
        }


class CloseForm(StyledForm):
    note = _text(_("Why it can be closed"), rows=3)
    attachment = forms.FileField(label=_("Supporting file"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].widget.attrs["accept"] = ",".join(f".{e}" for e in param("FILE_EXTENSIONS"))


class ReasonForm(StyledForm):
    reason = _text(_("Reason"), rows=3)


def _file_help(field: forms.Field, *, count: int | None = None) -> None:
    exts = param("FILE_EXTENSIONS")
    field.widget.attrs["accept"] = ",".join(f".{e}" for e in exts)
    text = _("%(types)s; at most %(mb)s MB each.") % {
        "types": ", ".join(exts).upper(),
        "mb": param("FILE_MAX_BYTES") // (1024 * 1024),
    }
    if count is not None:
        text = f"{text} " + _("Up to %(n)s files.") % {"n": count}
    field.help_text = text


class UnitReplyForm(StyledForm):
    """答复函询: what the unit's clerk sends online."""

    outcome = forms.ChoiceField(
        label=_("The unit has"),
        choices=[("", "—"), *((s, STATE_LABELS[s]) for s in REPLY_OUTCOMES)],
    )
    reply_text = _text(_("Reply"), rows=8, help_text=_("What happened, and what the unit has done about it."))
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _file_help(self.fields["attachments"], count=param("REPLY_FILES_MAX"))


class AcceptReplyForm(StyledForm):
    """采纳复函: the outcome (as the unit said, unless the staff see it otherwise) and a note."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=[(s, STATE_LABELS[s]) for s in REPLY_OUTCOMES])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReturnReplyForm(StyledForm):
    """退回复函: why, and optionally a new due date."""

    reason = _text(_("Why the reply is returned"), rows=3)
    reply_due = _date(_("New reply due date"), required=False)
