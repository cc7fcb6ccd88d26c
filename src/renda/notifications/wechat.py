"""微信绑定 and 微信回执: binding a person's WeChat (the official account's openid) by 网页授权, and the
official account's event push that tells what became of a subscription notice.

Binding (OAuth 2.0, ``scope=snsapi_base``: silent, the openid only). The signed-in person asks to
bind; Renda sends them to ``open.weixin.qq.com/connect/oauth2/authorize`` with the app id, the
callback address, ``response_type=code``, the scope and a *state* — a random nonce kept in their
session, the time, and an HMAC of both with their id (letters and digits only, as WeChat wants) —
ending with ``#wechat_redirect``. WeChat sends them back to the callback with a ``code``; the state
must be this person's, this session's, used once and at most ``WECHAT_STATE_MINUTES`` old. The code
is exchanged at ``api.weixin.qq.com/sns/oauth2/access_token`` (``grant_type=authorization_code``)
for the openid, which is kept on the person's message settings; binding and unbinding are audited.

Receipts. WeChat posts events to the server address configured in the official account (服务器配置):
each request carries ``signature`` = SHA-1 of the sorted token, timestamp and nonce; anything else
is refused (403). ``subscribe_msg_sent_event`` lists, per notice, ``MsgID``, ``ErrorCode`` (0: it
arrived) and ``ErrorStatus``; the delivery is the last WeChat one sent to that openid (``bizsend``
answers no message id) unless one carries the ``MsgID``. The XML is parsed with the standard
library after refusing any document type declaration (no entity is ever expanded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.accounts.models import User
from renda.core.audit import audit
from renda.core.masking import mask_personal
from renda.core.permissions import require, service
from renda.notifications.models import Delivery, RecipientSettings
from renda.notifications.params import param

logger = logging.getLogger("renda.notifications")

SESSION_KEY = "renda.wechat_bind"
AUTHORIZE_BASE = "https://open.weixin.qq.com"
EVENT_MAX_BYTES = 64 * 1024
EVENT_MAX_AGE = 600  # seconds: an older signed request is a replay
MATCH_WINDOW = dt.timedelta(hours=24)  # a receipt names a notice sent within this window


def config() -> dict[str, Any]:
    """The official account's settings (``NOTIFICATION_GATEWAYS["wechat"]``), keys in lower case."""
    raw = (getattr(settings, "NOTIFICATION_GATEWAYS", {}) or {}).get("wechat") or {}
    return {str(k).lower(): v for k, v in raw.items()}


def authorize_origin() -> str:
    """The origin of WeChat's authorisation page (for the settings page's form-action)."""
    return str(config().get("oauth_base") or AUTHORIZE_BASE).rstrip("/")


def binding_available() -> bool:
    c = config()
    return bool(c.get("appid") and c.get("secret"))


# --- binding ----------------------------------------------------------------------------------------


def _mac(user: User, nonce: str, stamp: str) -> str:
    key = hashlib.sha256(("renda-wechat-state:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{user.pk}|{nonce}|{stamp}".encode(), hashlib.sha256).hexdigest()[:32]


def authorize_url(*, actor: User, session: Any, redirect_uri: str) -> str:
    """The address of WeChat's authorisation page for ``actor``, with a fresh state kept in the
    session (the callback checks it)."""
    require(actor, "notifications.set_preferences")
    c = config()
    if not binding_available():
        raise ValidationError(_("WeChat is not configured on this platform; ask the administrator."))
    nonce = secrets.token_hex(8)
    stamp = str(int(time.time()))
    session[SESSION_KEY] = nonce
    state = f"{stamp}{nonce}{_mac(actor, nonce, stamp)}"  # 10 + 16 + 32 letters and digits
    query = urlencode(
        {
            "appid": c["appid"],
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return f"{authorize_origin()}/connect/oauth2/authorize?{query}#wechat_redirect"


def check_state(*, actor: User, session: Any, state: str) -> None:
    """The state came back unchanged, for this person and this session, once, in time."""
    nonce = session.pop(SESSION_KEY, None)
    state = state or ""
    if not nonce or len(state) != 58 or not state.isalnum():
        raise ValidationError(_("This binding link is not valid. Start the binding again."))
    stamp, their_nonce, mac = state[:10], state[10:26], state[26:]
    if not (hmac.compare_digest(their_nonce, nonce) and hmac.compare_digest(mac, _mac(actor, nonce, stamp))):
        raise ValidationError(_("This binding link is not valid. Start the binding again."))
    age = time.time() - int(stamp)
    if age < 0 or age > 60 * float(param("WECHAT_STATE_MINUTES")):
        raise ValidationError(_("This binding link has expired. Start the binding again."))


# WeChat's answers to the code exchange, and what the person is told.
CODE_REASONS = {
    40029: gettext_lazy("The authorisation code is not valid. Start the binding again."),
    40163: gettext_lazy("The authorisation code has been used already. Start the binding again."),
    41008: gettext_lazy("WeChat sent no authorisation code. Start the binding again."),
    40013: gettext_lazy("The platform's WeChat app id is wrong; tell the administrator."),
    40125: gettext_lazy("The platform's WeChat secret is wrong; tell the administrator."),
    -1: gettext_lazy("WeChat is busy. Try again in a moment."),
}


def exchange_code(code: str) -> str:
    """The openid for an authorisation code (``sns/oauth2/access_token``); a ValidationError with
    the reason in the person's language otherwise."""
    c = config()
    base = str(c.get("api_base") or "https://api.weixin.qq.com").rstrip("/")
    try:
        response = requests.get(
            f"{base}/sns/oauth2/access_token",
            params={
                "appid": c.get("appid", ""),
                "secret": c.get("secret", ""),
                "code": code,
                "grant_type": "authorization_code",
            },
            timeout=float(c.get("timeout") or 10),
        )
        answer = response.json() if response.status_code < 500 else {"errcode": -1}
    except (requests.RequestException, ValueError):
        answer = {"errcode": -1}
    if not isinstance(answer, dict):
        answer = {"errcode": -1}
    openid = str(answer.get("openid") or "")
    if openid and not answer.get("errcode"):
        return openid[:64]
    try:
        errcode = int(answer.get("errcode") or -1)
    except (TypeError, ValueError):
        errcode = -1
    reason = CODE_REASONS.get(errcode)
    logger.warning("wechat binding: the code exchange failed with errcode %s", errcode)
    if reason is None:
        raise ValidationError(
            _("WeChat refused the binding (error %(code)s). Try again later.") % {"code": errcode}
        )
    raise ValidationError(str(reason))


@service
def wechat_bind(*, actor: User, openid: str) -> RecipientSettings:
    """绑定微信: keep the openid WeChat gave for the actor (one account per WeChat)."""
    require(actor, "notifications.set_preferences")
    openid = (openid or "").strip()
    if not openid:
        raise ValidationError(_("WeChat gave no identity. Start the binding again."))
    if RecipientSettings.objects.filter(wechat_openid=openid).exclude(user=actor).exists():
        raise ValidationError(_("This WeChat is bound to another account already; unbind it there first."))
    row = RecipientSettings.objects.select_for_update().filter(user=actor).first() or RecipientSettings(
        user=actor
    )
    row.wechat_openid, row.wechat_bound_at = openid, timezone.now()
    row.save()
    audit(actor, "notifications.wechat_bind", None, note=f"openid={mask_personal(openid)}")
    return row


@service
def wechat_unbind(*, actor: User) -> bool:
    """解除绑定: WeChat messages stop; the next channel (SMS, e-mail) takes over."""
    require(actor, "notifications.set_preferences")
    row = RecipientSettings.objects.select_for_update().filter(user=actor).first()
    if row is None or not row.wechat_openid:
        return False
    masked = mask_personal(row.wechat_openid)
    row.wechat_openid, row.wechat_bound_at = "", None
    row.save()
    audit(actor, "notifications.wechat_unbind", None, note=f"openid={masked}")
    return True


# --- the event push (receipts) ------------------------------------------------------------------------


def signature_valid(*, signature: str, timestamp: str, nonce: str, now: float | None = None) -> bool:
    """WeChat's server signature: SHA-1 of the token, timestamp and nonce, sorted and joined."""
    token = str(config().get("token") or "")
    if not (token and signature and timestamp and nonce):
        return False
    expected = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324 - WeChat's scheme
    if not hmac.compare_digest(expected, signature.lower()):
        return False
    try:
        age = (now if now is not None else time.time()) - int(timestamp)
    except ValueError:
        return False
    return abs(age) <= EVENT_MAX_AGE


class BadEvent(ValueError):
    """The body is not an event WeChat sends (too large, not XML, a document type declaration)."""


def parse_event(body: bytes) -> ET.Element:
    """The event's XML, parsed without any document type declaration (so no entity, internal or
    external, is ever expanded)."""
    if len(body) > EVENT_MAX_BYTES:
        raise BadEvent("too large")
    head = body.lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise BadEvent("document type declarations are refused")
    try:
        return ET.fromstring(body)  # noqa: S314 - no DTD can reach here (refused above)
    except ET.ParseError as fault:
        raise BadEvent("not XML") from fault


@dataclass
class SentReport:
    delivered: int = 0
    failed: int = 0
    unmatched: int = 0


def event_receive(root: ET.Element, *, now: dt.datetime | None = None) -> SentReport:
    """Apply ``subscribe_msg_sent_event``: each listed notice delivered (``ErrorCode`` 0) or failed
    with WeChat's status (then the next channel of the person's chain takes over)."""
    from renda.notifications import tasks
    from renda.notifications.delivery import RunReport, _fail, openid_hash

    now = now or timezone.now()
    report = SentReport()
    if (root.findtext("MsgType") or "").strip() != "event":
        return report
    if (root.findtext("Event") or "").strip() != "subscribe_msg_sent_event":
        return report
    openid = (root.findtext("FromUserName") or "").strip()
    items = root.findall("./SubscribeMsgSentEvent/List")
    fallbacks: list[Delivery] = []
    with transaction.atomic():
        for item in items:
            msg_id = (item.findtext("MsgID") or "").strip()[:80]
            code = (item.findtext("ErrorCode") or "").strip()[:40]
            status = (item.findtext("ErrorStatus") or "").strip()[:300]
            waiting = Delivery.objects.select_for_update().filter(
                channel=Delivery.Channel.WECHAT, status=Delivery.Status.SENT
            )
            delivery = waiting.filter(gateway_id=msg_id).first() if msg_id else None
            if delivery is None and openid:
                delivery = (
                    waiting.filter(address_hash=openid_hash(openid), sent_at__gte=now - MATCH_WINDOW)
                    .order_by("sent_at", "id")
                    .first()
                )
            if delivery is None:
                report.unmatched += 1
                continue
            if msg_id and not delivery.gateway_id:
                delivery.gateway_id = msg_id
            if code == "0":
                delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, now
                delivery.gateway_code, delivery.reason = "0", ""
                report.delivered += 1
            else:
                delivery.gateway_code = code or "failed"
                delivery.reason = status or "WeChat could not deliver it"
                fallback = _fail(delivery, RunReport(), now)
                if fallback is not None:
                    fallbacks.append(fallback)
                report.failed += 1
            delivery.save()
        for fallback in fallbacks:
            fallback.save()
    if fallbacks:
        ids = [f.pk for f in fallbacks]
        transaction.on_commit(lambda: tasks.send_deliveries.enqueue(ids), robust=True)
    return report
