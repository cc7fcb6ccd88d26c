"""Sign-in forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Organisation, Region, Role
from renda.core.forms import StyledFormMixin


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong user name or password. After %(limit)s failed attempts the account is locked "
            "for %(minutes)s minutes."
        ),
        "inactive": _("This account has been disabled. Please contact the administrator."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        assert isinstance(username, forms.CharField)  # AuthenticationForm's UsernameField
        # Django sets the length on the widget only; a longer name reached authenticate() and the
        # lockout's record of the attempt (varchar 255: a 500 on PostgreSQL).
        username.validators.append(MaxLengthValidator(username.max_length or 150))
        username.widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.role == Role.FINANCE_FEED:
            raise forms.ValidationError(
                _("This account is for the data interface only and cannot sign in to web pages."),
                code="api_only",
            )

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT, "minutes": settings.LOGIN_LOCKOUT_MINUTES},
        )


class TokenForm(StyledFormMixin, forms.Form):
    token = forms.RegexField(
        label=_("6-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown by your authenticator app.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class EnrolForm(TokenForm):
    """The new authenticator's first code and, when one is already set up, a current code of the old one."""

    current_token = forms.RegexField(
        label=_("6-digit code from your current authenticator"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown by your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, replacing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if replacing:
            self.fields["token"].label = _("6-digit code from the new authenticator")
            self.order_fields(["current_token", "token"])
        else:
            del self.fields["current_token"]

    def clean_current_token(self) -> str:
        return self.cleaned_data["current_token"].strip()


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass


# --- administration: users, organisations, regions, API tokens --------------------------------

MOBILE_PHONE_REGEX = r"^1[3-9]\d{9}$"


def _phone_field() -> forms.RegexField:
    return forms.RegexField(
        label=_("Mobile phone"),
        regex=MOBILE_PHONE_REGEX,
        required=False,
        max_length=11,
        error_messages={"invalid": _("Enter a mainland mobile number of 11 digits starting with 13–19.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _organisation_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("kind", "code"),
        required=False,
        help_text=_(
            "Required for committee staff (a congress office), handling unit clerks (a department, "
            "township or the finance bureau) and the finance data interface (the finance bureau)."
        ),
    )


class UserCreateForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    real_name = forms.CharField(label=_("Real name"), max_length=50)
    phone = _phone_field()
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    organisation = _organisation_field()


class UserEditForm(StyledFormMixin, forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=50)
    phone = _phone_field()
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    organisation = _organisation_field()
    is_active = forms.BooleanField(label=_("Active (may sign in)"), required=False)


class ApiTokenIssueForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=60,
        initial=_("Finance data interface"),
        help_text=_("What the token is for, e.g. the system that will use it."),
    )
    expires_on = forms.DateField(
        label=_("Valid until (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for a token that works until it is revoked."),
    )


class OrganisationForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("Parent organisation"), queryset=Organisation.objects.order_by("kind", "code"), required=False
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.order_by("code"))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class RegionForm(StyledFormMixin, forms.Form):
    parent = forms.ModelChoiceField(
        label=_("Parent region"),
        queryset=Region.objects.exclude(level=Region.Level.VILLAGE).order_by("code"),
        required=False,
        help_text=_("Empty for a county; a county's towns and a town's villages sit below it."),
    )
    code = forms.CharField(
        label=_("Administrative code"),
        max_length=12,
        help_text=_(
            "Digits only: 6 for a county, 9 for a town, 12 for a village, starting with the parent's code."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    name = forms.CharField(label=_("Name"), max_length=60)
