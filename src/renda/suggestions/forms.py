"""Forms of the suggestions module. They parse input; the services decide and validate the rest."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from renda.accounts.models import Organisation
from renda.core.forms import (
    FilterableSelect,
    FilterableSelectMultiple,
    ModelMultipleChoiceField,
    MultipleFileField,
    StyledForm,
)
from renda.deputies.models import Deputy, Level, Term
from renda.suggestions.letters import LetterParts
from renda.suggestions.models import (
    Contact,
    ReplyClass,
    Satisfaction,
    SealPosition,
    Session,
    State,
    Suggestion,
    SuggestionCategory,
)
from renda.suggestions.params import param


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _accept_attr() -> str:
    return ",".join(f".{ext}" for ext in param("ATTACHMENT_EXTENSIONS"))


class SuggestionForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=param("TITLE_MAX"))
    content = forms.CharField(
        label=_("Content"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=param("CONTENT_MAX"),
        help_text=_("The situation, the problem and what you suggest."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=SuggestionCategory.objects.filter(is_active=True)
    )
    cosigners = ModelMultipleChoiceField(
        label=_("Invite co-signers"),
        queryset=Deputy.objects.none(),
        required=False,
        widget=FilterableSelectMultiple(attrs={"size": 8}, placeholder=_("Type a name to find a deputy")),
        help_text=_("The invited deputies confirm their co-signature themselves."),
    )
    # a field named like BaseForm.files: the form's metaclass moves it into base_fields, so the
    # instance's ``files`` stays the upload dict at run time
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, Word, Excel, WPS, images or text; at most 5 files of 10 MB each."),
    )

    def __init__(self, *args, deputy: Deputy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Deputy.objects.filter(term__is_current=True, term__level=Level.COUNTY, is_active=True)
        if deputy is not None:
            qs = qs.filter(term_id=deputy.term_id).exclude(pk=deputy.pk)
        self.fields["cosigners"].queryset = qs.order_by("number")  # type: ignore[attr-defined]
        self.fields["files"].widget.attrs["accept"] = _accept_attr()
        for name in ("title", "content"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": "similar/",
                    "hx-trigger": "input changed delay:600ms",
                    "hx-target": "#similar",
                    "hx-include": "#id_title, #id_content",
                }
            )


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class RegisterForm(StyledForm):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=SuggestionCategory.objects.filter(is_active=True),
        required=False,
        help_text=_("Leave it to keep the deputy's choice."),
    )
    session = forms.ModelChoiceField(
        label=_("Session"),
        queryset=Session.objects.select_related("term").order_by("-start_date"),
        required=False,
        help_text=_("Leave it to keep the session of its date."),
    )


class WithdrawForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SessionForm(StyledForm):
    term = forms.ModelChoiceField(label=_("Term"), queryset=Term.objects.order_by("-start_date"))
    number = forms.IntegerField(label=_("Session number"), min_value=1, max_value=99)
    kind = forms.ChoiceField(label=_("Period"), choices=Session.Kind.choices)
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))


class MergeForm(StyledForm):
    into = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Suggestion.objects.none(),
        widget=FilterableSelect(placeholder=_("Type a number or words of the title")),
    )

    def __init__(self, *args, suggestion: Suggestion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Suggestion.objects.filter(
            state__in=(State.SUBMITTED, State.REGISTERED, State.ASSIGNED, State.IN_PROGRESS)
        )
        if suggestion is not None:
            qs = qs.exclude(pk=suggestion.pk)
        self.fields["into"].queryset = qs.order_by("-created_at")[:200] if not self.is_bound else qs  # type: ignore[attr-defined]


def _units():
    return Organisation.objects.filter(
        is_active=True,
        kind__in=(Organisation.Kind.DEPARTMENT, Organisation.Kind.TOWNSHIP, Organisation.Kind.FINANCE),
    ).order_by("code")


class AssignForm(StyledForm):
    lead = forms.ModelChoiceField(
        label=_("Lead unit"),
        queryset=Organisation.objects.none(),
        widget=FilterableSelect(placeholder=_("Type to find a unit")),
    )
    co_units = ModelMultipleChoiceField(
        label=_("Co-handling units"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=FilterableSelectMultiple(attrs={"size": 6}, placeholder=_("Type to find a unit")),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _units()  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = _units()  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        lead, co = data.get("lead"), data.get("co_units") or []
        if lead and lead in co:
            self.add_error("co_units", _("The lead unit cannot also be a co-handling unit."))
        return data


class TargetForm(StyledForm):
    """A form about one row of the suggestion (an assignment, a commitment, a request)."""

    def __init__(self, *args, targets=(), target_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        targets = list(targets)
        field = forms.TypedChoiceField(label=target_label or _("Concerning"), coerce=int, choices=targets)
        if len(targets) == 1:
            field.widget = forms.HiddenInput()
            field.initial = targets[0][0]
        else:
            field.widget.attrs["class"] = "form-select"
        self.fields["target"] = field
        self.order_fields(["target"])


class ReassignForm(TargetForm):
    unit = forms.ModelChoiceField(
        label=_("New unit"),
        queryset=Organisation.objects.none(),
        widget=FilterableSelect(placeholder=_("Type to find a unit")),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()  # type: ignore[attr-defined]


class TargetReasonForm(TargetForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OpinionForm(TargetForm):
    text = forms.CharField(
        label=_("Opinion for the lead unit"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ContactForm(StyledForm):
    date = forms.DateField(label=_("Date"), widget=_date_input(), initial=timezone.localdate)
    way = forms.ChoiceField(label=_("Way"), choices=Contact.Way.choices)
    summary = forms.CharField(label=_("Summary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionForm(StyledForm):
    months = forms.TypedChoiceField(
        label=_("Extend by"), coerce=int, choices=[(1, _("1 month")), (2, _("2 months")), (3, _("3 months"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecideForm(TargetForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "yes", choices=[("yes", _("Approve")), ("no", _("Reject"))]
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


COMMITMENT_ROWS = 3


class ReplyForm(StyledForm):
    reply_class = forms.ChoiceField(
        label=_("Class"),
        choices=[("", "—"), *ReplyClass.choices],
        error_messages={"required": _("Choose the class of the reply (A, B, C or D).")},
    )
    text = forms.CharField(
        label=_("Body of the letter"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Write only the body: the salutation, the opening, the closing and the signature are added"
            " once by the letter."
        ),
    )
    contact_person = forms.CharField(label=_("Contact person"), max_length=30)
    contact_phone = forms.CharField(
        label=_("Contact telephone"), max_length=20, help_text=_("E.g. 0917-3212345 or a mobile number.")
    )
    signer = forms.CharField(label=_("Signed off by"), max_length=30)
    seal_position = forms.ChoiceField(
        label=_("Unit's seal"), choices=SealPosition.choices, initial=SealPosition.OVER_SIGNATURE
    )
    file = forms.FileField(label=_("Signed letter (scan, optional)"), required=False)

    # The letter's fields, in the order the reply page lays them out around the body.
    LETTER_FIELDS = ("contact_person", "contact_phone", "signer", "seal_position")

    def __init__(self, *args, letter: LetterParts | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.letter = letter  # the fixed parts the page shows around the body
        self.fields["file"].widget.attrs["accept"] = _accept_attr()
        self.fields["text"].widget.attrs["placeholder"] = pgettext("outline placeholder", "1. …\n2. …\n3. …")
        for i in range(1, COMMITMENT_ROWS + 1):
            self.fields[f"commitment_{i}"] = forms.CharField(
                label=_("Commitment %(n)s") % {"n": i},
                max_length=300,
                required=False,
                help_text=_("Required for class B and C: what will be done.") if i == 1 else "",
            )
            self.fields[f"commitment_due_{i}"] = forms.DateField(
                label=_("Due on"), required=False, widget=_date_input()
            )
            for name in (f"commitment_{i}", f"commitment_due_{i}"):
                self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean() or {}
        for i in range(1, COMMITMENT_ROWS + 1):
            if data.get(f"commitment_{i}") and not data.get(f"commitment_due_{i}"):
                self.add_error(f"commitment_due_{i}", _("Give the date the commitment is due."))
        return data

    def commitment_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """Each commitment's text and due date, side by side on the reply page."""
        return [(self[f"commitment_{i}"], self[f"commitment_due_{i}"]) for i in range(1, COMMITMENT_ROWS + 1)]

    def commitments(self) -> list[tuple[str, dt.date]]:
        data = self.cleaned_data
        return [
            (data[f"commitment_{i}"], data[f"commitment_due_{i}"])
            for i in range(1, COMMITMENT_ROWS + 1)
            if data.get(f"commitment_{i}") and data.get(f"commitment_due_{i}")
        ]


class InlineRadioSelect(forms.RadioSelect):
    """Radio buttons laid out the Bootstrap way (form-check), side by side."""

    template_name = "suggestions/widgets/radio.html"
    option_template_name = "suggestions/widgets/radio_option.html"


class RateForm(StyledForm):
    result = forms.ChoiceField(
        label=_("Your judgement"), choices=Satisfaction.choices, widget=InlineRadioSelect
    )
    attitude = forms.TypedChoiceField(
        label=_("The unit's attitude (1–5)"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)]
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you are unsatisfied."),
    )


class FulfilForm(TargetForm):
    note = forms.CharField(label=_("How it was fulfilled"), max_length=500)


class KeyForm(StyledForm):
    leader = forms.CharField(label=_("Supervising leader"), max_length=50)
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("E.g. the chair's meeting that decided it."),
    )


class ChaseForm(StyledForm):
    reason = forms.CharField(label=_("Chase note"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(StyledForm):
    summary = forms.CharField(
        label=_("The reply to publish"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "The reply letter's body with phone numbers, ID numbers and house addresses masked. Check it"
            " before publishing; anything still personal is masked again when it is published."
        ),
    )


class EmptyForm(StyledForm):
    pass


class CategoryForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=100)
