"""Forms of the notification centre: a person's settings, the role defaults, the verification code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.core.forms import StyledForm
from renda.notifications.kinds import EMAIL, OUTSIDE_CHANNELS, SMS, WECHAT, Kind

CHOOSABLE = list(OUTSIDE_CHANNELS)  # the order of the fallback; the inbox is always on
SHORT: dict[str, str | Promise] = {WECHAT: _("WeChat"), SMS: _("SMS"), EMAIL: _("Mail")}


def field_name(kind: str, channel: str) -> str:
    return f"{channel}:{kind}"


class ChannelGridForm(StyledForm):
    """One check box per kind and channel (and, for a person, the digest), and the quiet hours."""

    def __init__(self, *args: Any, kinds: Sequence[Kind], personal: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = list(kinds)
        self.personal = personal
        for kind in self.kinds:
            for channel in CHOOSABLE:
                self.fields[field_name(kind.name, channel)] = forms.BooleanField(required=False)
            if personal:
                self.fields[field_name(kind.name, "digest")] = forms.BooleanField(required=False)
        if personal:
            self.fields["quiet_start"] = forms.TimeField(
                label=_("Quiet hours from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
            )
            self.fields["quiet_end"] = forms.TimeField(
                label=_("Quiet hours until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
            )

    def choices(self) -> dict[str, tuple[list[str], bool]]:
        data = self.cleaned_data
        return {
            kind.name: (
                [c for c in CHOOSABLE if data.get(field_name(kind.name, c))],
                bool(data.get(field_name(kind.name, "digest"))),
            )
            for kind in self.kinds
        }

    def rows(self) -> list[dict[str, Any]]:
        """The grid, a row per kind with its bound check boxes."""
        return [
            {
                "kind": kind,
                "boxes": [(SHORT[c], self[field_name(kind.name, c)]) for c in CHOOSABLE],
                "digest": self[field_name(kind.name, "digest")] if self.personal else None,
            }
            for kind in self.kinds
        ]


class CodeForm(StyledForm):
    code = forms.CharField(label=_("Verification code"), max_length=6, min_length=6)
