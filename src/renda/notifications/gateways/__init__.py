"""Gateways (网关): how a message leaves Renda by one channel — e-mail, SMS, WeChat.

Each channel has one backend, chosen in the settings from the environment
(``NOTIFICATION_GATEWAYS``, see ``settings.py``): ``console``/``file`` for development and tests,
``django`` for e-mail (Django's own e-mail backends), ``aliyun`` for SMS (阿里云短信 ``SendSms``),
``wechat`` for the official account's subscription notices (订阅通知). A backend answers with a
:class:`Sent` or raises :class:`Transient` (try again later), :class:`Permanent` (give up: fall
back to the next channel) — each with the gateway's code and reason for the delivery log.
"""

from renda.notifications.gateways.base import (
    Gateway,
    Message,
    Permanent,
    Receipt,
    Sent,
    Transient,
    gateway_for,
)

__all__ = ["Gateway", "Message", "Permanent", "Receipt", "Sent", "Transient", "gateway_for"]
