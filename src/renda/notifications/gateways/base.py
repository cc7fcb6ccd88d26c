"""The gateway interface, the faults a gateway reports, and the backend chosen per channel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Message:
    """What goes out: the address (phone, e-mail, openid), the kind's label, the text, the link."""

    address: str
    kind: str
    kind_label: str
    text: str
    link: str
    created_at: dt.datetime
    reference: str = ""  # our id of the delivery (the gateway echoes it in receipts)


@dataclass(frozen=True)
class Sent:
    """The gateway took the message; ``gateway_id`` is its own id of it (for receipts)."""

    gateway_id: str = ""
    code: str = ""
    delivered: bool = False  # the backend knows it arrived (the console, a synchronous SMTP hand-over)


@dataclass(frozen=True)
class Receipt:
    """The gateway's receipt of a message it took: ``delivered``, ``failed`` (with the operator's
    code) or ``pending`` (no receipt yet)."""

    state: str
    code: str = ""


class GatewayFault(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code, self.reason = str(code)[:40], str(reason)[:300]


class Transient(GatewayFault):
    """A fault that may pass: a timeout, a 5xx, flow control. The delivery is tried again later."""


class Permanent(GatewayFault):
    """A fault that will not pass by waiting: a refused number, a user who declined WeChat messages,
    a rejected template. The delivery fails with the reason and falls back to the next channel."""


class Gateway(Protocol):
    channel: str

    def send(self, message: Message) -> Sent: ...


BACKENDS = {
    "console": "renda.notifications.gateways.console.ConsoleGateway",
    "file": "renda.notifications.gateways.console.FileGateway",
    "django": "renda.notifications.gateways.email.DjangoEmailGateway",
    "aliyun": "renda.notifications.gateways.aliyun_sms.AliyunSmsGateway",
    "wechat": "renda.notifications.gateways.wechat.WeChatSubscribeGateway",
}


def _config(channel: str) -> dict[str, Any]:
    return dict((getattr(settings, "NOTIFICATION_GATEWAYS", {}) or {}).get(channel) or {"BACKEND": "console"})


_instances: dict[tuple[str, Any], Gateway] = {}


def gateway_for(channel: str) -> Gateway:
    """The configured gateway of ``channel`` (one instance per configuration: a gateway keeps its
    access token and its HTTP session between messages)."""
    config = _config(channel)
    key = (channel, _hashable(config))
    if key not in _instances:
        options = dict(config)
        backend = str(options.pop("BACKEND", "console"))
        cls = import_string(BACKENDS.get(backend, backend))
        _instances[key] = cls(channel=channel, **{k.lower(): v for k, v in options.items()})
    return _instances[key]


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    return value
