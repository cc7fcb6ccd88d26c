"""Forms of the liaison module: the public forms (opinion, appointment, follow) and the work forms."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Organisation, Region
from renda.core.forms import FilterableSelect, ModelMultipleChoiceField, MultipleFileField, StyledForm
from renda.deputies.models import Deputy
from renda.liaison import services
from renda.liaison.challenge import challenge_field
from renda.liaison.models import Category, Opinion, Station

_PHONE = re.compile(r"^1[3-9]\d{9}$")


def clean_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not _PHONE.match(digits):
        raise ValidationError(_("Enter an 11-digit mobile number, like 13812345678."), code="phone")
    return digits


class MobileField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        return clean_mobile(value) if value else value


def towns() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Town"),
        queryset=Region.objects.filter(level=Region.Level.TOWN).order_by("code"),
        empty_label=_("Choose your town"),
        error_messages={"required": _("Choose your town.")},
    )


class OpinionForm(StyledForm):
    """群众意见建议: the public form (no account)."""

    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    phone = MobileField(
        label=_("Mobile phone"),
        help_text=_(
            "For the answer, and with its last four digits you follow your opinion. It is never published."
        ),
        error_messages={"required": _("Enter your mobile number so that we can answer you.")},
    )
    code_by_sms = forms.BooleanField(
        label=_("Also send me the tracking code by text message (SMS)"), required=False
    )
    town = towns()
    category = forms.ChoiceField(label=_("Topic"), choices=[("", _("Choose a topic")), *Category.choices])
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.filter(is_active=True).order_by("region__code", "kind", "code"),
        required=False,
        empty_label=_("The station of my town"),
        widget=FilterableSelect(placeholder=_("Type to find a station"), follow="id_town:towns"),
    )
    deputy = forms.ModelChoiceField(
        label=_("Deputy"),
        queryset=Deputy.objects.filter(is_active=True, stations__isnull=False)
        .distinct()
        .select_related("person")
        .order_by("person__name"),
        required=False,
        empty_label=_("Any deputy of the station"),
        widget=FilterableSelect(
            placeholder=_("Type a name to find a deputy"), follow="id_town:towns id_station:stations"
        ),
    )
    content = forms.CharField(
        label=_("Your opinion or suggestion"),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": services.MAX_CONTENT_CHARS}),
        help_text=_("10 to 2000 characters. Do not write ID numbers or other people's personal data."),
        error_messages={"required": _("Please write your opinion.")},
    )
    attachments = MultipleFileField(
        label=_("Photos or PDF (optional)"),
        accept="image/jpeg,image/png,application/pdf",
        required=False,
        help_text=_("Up to 3 files: JPEG or PNG images or PDF, each at most 5 MB."),
    )
    consent_publish = forms.BooleanField(
        label=_("The opinion and its answer may be published without my personal data"), required=False
    )
    captcha = challenge_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The deputy list follows the chosen town and station (renda.js): each option names the
        # stations a deputy receives at and their towns; each station its town.
        stations: dict[str, dict[str, str]] = {}
        deputies: dict[str, dict[str, set[str]]] = {}
        links = Station.deputies.through.objects.filter(station__is_active=True).values_list(
            "deputy_id", "station_id", "station__region_id"
        )
        for deputy_id, station_id, town_id in links:
            entry = deputies.setdefault(str(deputy_id), {"stations": set(), "towns": set()})
            entry["stations"].add(str(station_id))
            entry["towns"].add(str(town_id))
        for station_id, town_id in Station.objects.filter(is_active=True).values_list("pk", "region_id"):
            stations[str(station_id)] = {"towns": str(town_id)}
        self.fields["station"].widget.option_data = stations  # type: ignore[attr-defined]
        self.fields["deputy"].widget.option_data = {  # type: ignore[attr-defined]
            pk: {key: " ".join(sorted(values)) for key, values in entry.items()}
            for pk, entry in deputies.items()
        }

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if len(content) < services.MIN_CONTENT_CHARS:
            raise ValidationError(_("Please describe the matter in at least 10 characters."))
        if len(content) > services.MAX_CONTENT_CHARS:
            raise ValidationError(_("Please keep the text within 2000 characters."))
        return content

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > services.MAX_ATTACHMENTS:
            raise ValidationError(_("Attach at most 3 files."))
        for upload in files:
            services.check_attachment(upload)
        return files


class AppointmentForm(StyledForm):
    name = forms.CharField(
        label=_("Your name"), max_length=50, error_messages={"required": _("Enter your name.")}
    )
    phone = MobileField(
        label=_("Mobile phone"),
        help_text=_(
            "We confirm the time to this number; its last four digits let you follow the appointment."
        ),
        error_messages={"required": _("Enter your mobile number.")},
    )
    code_by_sms = forms.BooleanField(
        label=_("Also send me the tracking code by text message (SMS)"), required=False
    )
    topic = forms.CharField(
        label=_("What you want to raise"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200}),
        error_messages={"required": _("Say briefly what you want to raise.")},
    )
    captcha = challenge_field()


class FollowForm(StyledForm):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=30,
        help_text=_("As shown when you wrote, e.g. ABCD-EFGH-JKMN-PQ."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the tracking code.")},
    )
    phone_last4 = forms.RegexField(
        label=_("Last four digits of your phone"),
        regex=r"^\d{4}$",
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": _("Enter the last four digits of your phone."),
            "invalid": _("Enter four digits."),
        },
    )


class RateForm(StyledForm):
    satisfaction = forms.ChoiceField(
        label=_("Are you satisfied with the answer?"),
        choices=Opinion.Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose satisfied or not satisfied.")},
    )
    reason = forms.CharField(
        label=_("If not satisfied: what is missing or wrong?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- work forms ---------------------------------------------------------------------------------


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AcceptForm(StyledForm):
    is_complex = forms.BooleanField(label=_("Complex matter (10 working days)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReferForm(StyledForm):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Organisation.objects.filter(
            is_active=True, kind__in=(Organisation.Kind.DEPARTMENT, Organisation.Kind.TOWNSHIP)
        ).order_by("kind", "code"),
    )
    note = forms.CharField(label=_("Note to the department"), max_length=500, required=False)


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6, "maxlength": 4000}))


class MergeForm(StyledForm):
    into = forms.ModelChoiceField(label=_("Merge into"), queryset=Opinion.objects.none())

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["into"].queryset = candidates  # type: ignore[attr-defined]


class PublishForm(StyledForm):
    public_content = forms.CharField(label=_("Text to publish"), widget=forms.Textarea(attrs={"rows": 5}))
    public_answer = forms.CharField(label=_("Answer to publish"), widget=forms.Textarea(attrs={"rows": 5}))


class ReceptionDayForm(StyledForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    deputies = ModelMultipleChoiceField(
        label=_("Deputies on duty"), queryset=Deputy.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    capacity = forms.IntegerField(label=_("Appointment slots"), min_value=1, max_value=200, initial=10)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        on_duty = station.deputies.filter(is_active=True).select_related("person").order_by("person__name")
        self.fields["deputies"].queryset = on_duty  # type: ignore[attr-defined]
        self.fields["place"].initial = station.address
        self.fields["date"].initial = services.earliest_reception_date(timezone.localdate())
        self.fields["date"].help_text = _("At least 3 working days ahead.")


class ConfirmForm(StyledForm):
    time = forms.TimeField(
        label=_("Time of reception"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


class ReceiveForm(StyledForm):
    raised = forms.CharField(label=_("What the citizen raised"), widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ChoiceField(label=_("Topic"), choices=Category.choices)
    consent_publish = forms.BooleanField(label=_("The citizen agrees to publication"), required=False)


class StationForm(StyledForm):
    phone = forms.CharField(label=_("Public telephone"), max_length=20, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)
    directions = forms.CharField(
        label=_("How to get there"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
