"""The kinds of notice (通知类别), declared by each module in its ``notices.py``, like ``acts.py``.

A kind names the event (``suggestion.assigned``), its label, the channels it goes out by unless the
recipient or the administrator chose otherwise, and whether it is urgent (urgent kinds ignore the
quiet hours). Reminders that run every day are ``dedup`` kinds: the same kind about the same object
reaches a recipient once within the dedup window.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

INBOX, EMAIL, SMS, WECHAT = "inbox", "email", "sms", "wechat"
CHANNELS: dict[str, str | Promise] = {
    INBOX: _("In-app inbox"),
    EMAIL: _("E-mail"),
    SMS: _("SMS"),
    WECHAT: _("WeChat"),
}
# The channels a gateway delivers (the inbox is written at once, never by the worker).
OUTSIDE_CHANNELS = (WECHAT, SMS, EMAIL)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str | Promise
    channels: tuple[str, ...] = (INBOX,)
    urgent: bool = False
    dedup: bool = False
    # A text to a phone number without an account (:func:`notify_phone`): no inbox, no preferences.
    to_phone: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.channels) - set(CHANNELS)
        if unknown:
            raise ValueError(f"kind {self.name}: unknown channels {sorted(unknown)}")


_KINDS: dict[str, Kind] = {}


def declare(*kinds: Kind) -> None:
    """Declare a module's kinds (from its ``notices.py``, imported in ``AppConfig.ready``)."""
    for kind in kinds:
        _KINDS[kind.name] = kind


def kind_of(name: str) -> Kind:
    """The declared kind, or a plain in-app kind named after itself (an undeclared or retired kind)."""
    return _KINDS.get(name) or Kind(name, name)


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def kind_label(name: str) -> str:
    return str(kind_of(name).label)
