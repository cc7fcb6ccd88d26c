"""微信订阅通知 of the official account (服务号/公众号): Renda's pages open in WeChat's own browser
(H5), not in a mini program, so a person's openid is the official account's (bound by 网页授权,
:mod:`renda.notifications.wechat`) and a message goes by the official account's subscription
notice API ``cgi-bin/message/subscribe/bizsend`` (the mini program's ``subscribe/send`` would need
the mini program's openid, which no page of Renda can obtain).

The access token comes from ``cgi-bin/stable_token`` (``grant_type=client_credential``) and is kept
in the cache until shortly before it expires. The answer's ``errcode``: ``0`` sent (``bizsend`` gives
no message id: the receipt, ``subscribe_msg_sent_event``, is matched by the openid); ``40001``/
``42001`` (token invalid or expired) — a new token is fetched (``force_refresh``) and the message
sent once more; ``43101`` the user did not subscribe or refused — permanent (fall back to SMS);
``47003`` the template's data is wrong — permanent; ``-1`` (system busy) and ``45009`` (API limit)
— transient; anything else permanent. ``page`` is the web address the notice opens (the site's
address and the notice's link).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import requests
from django.core.cache import cache

from renda.notifications.gateways.base import Message, Permanent, Sent, Transient

TOKEN_INVALID = {40001, 42001, 40014}
TRANSIENT = {-1, 45009, 45011}
REASONS = {
    43101: "the user has not subscribed to this message or refused it",
    47003: "the template data does not fit the template",
    40003: "the openid is not valid for this app",
    40037: "the template id is not valid",
}
SEND_PATH = "/cgi-bin/message/subscribe/bizsend"
THING_MAX = 20  # a ``thing`` field holds at most 20 characters


class WeChatSubscribeGateway:
    channel = "wechat"

    def __init__(
        self,
        *,
        channel: str = "wechat",
        appid: str = "",
        secret: str = "",
        template_id: str = "",
        page: str = "",
        site_url: str = "",
        api_base: str = "https://api.weixin.qq.com",
        fields: dict[str, str] | tuple[tuple[str, str], ...] | None = None,
        timeout: float = 10.0,
        **options: Any,
    ) -> None:
        self.channel = channel
        self.appid, self.secret, self.template_id, self.page = appid, secret, template_id, page
        self.site_url = site_url.rstrip("/")
        self.api_base = api_base.rstrip("/")
        # template field → what fills it: "kind" (the kind's label), "text", "time"
        self.fields = dict(fields or {"thing1": "kind", "thing2": "text", "time3": "time"})
        self.timeout = float(timeout)
        self.session = requests.Session()
        self._cache_key = (
            "renda.wechat.token." + hashlib.sha256(f"{appid}|{self.api_base}".encode()).hexdigest()[:16]
        )

    # --- the access token -------------------------------------------------------------------------

    def access_token(self, *, refresh: bool = False) -> str:
        if not refresh:
            token = cache.get(self._cache_key)
            if token:
                return str(token)
        answer = self._post(
            "/cgi-bin/stable_token",
            {
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": refresh,
            },
        )
        token = answer.get("access_token")
        if not token:
            code = int(answer.get("errcode") or 0)
            fault = Transient if code in TRANSIENT else Permanent
            raise fault(str(code or "no_token"), str(answer.get("errmsg") or "no access token"))
        expires = int(answer.get("expires_in") or 7200)
        cache.set(self._cache_key, token, max(60, expires - 300))
        return str(token)

    # --- the message ------------------------------------------------------------------------------

    def data(self, message: Message) -> dict[str, dict[str, str]]:
        values = {
            "kind": message.kind_label,
            "text": message.text,
            "time": message.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }
        out = {}
        for field, source in self.fields.items():
            value = values.get(source, "")
            if field.startswith("thing"):
                value = value if len(value) <= THING_MAX else value[: THING_MAX - 1] + "…"
            out[field] = {"value": value}
        return out

    def payload(self, message: Message) -> dict[str, Any]:
        body: dict[str, Any] = {
            "touser": message.address,
            "template_id": self.template_id,
            "data": self.data(message),
        }
        page = self.page
        if not page and self.site_url and message.link.startswith("/"):
            page = self.site_url + message.link  # the notice's own page, opened in WeChat's browser
        if page:
            body["page"] = page
        return body

    def send(self, message: Message) -> Sent:
        if not (self.appid and self.secret and self.template_id):
            raise Permanent("not_configured", "WeChat has no appid, secret or template")
        answer = self._post(SEND_PATH, self.payload(message), token=self.access_token())
        code = int(answer.get("errcode") or 0)
        if code in TOKEN_INVALID:  # the token was revoked or expired early: a new one, once
            answer = self._post(
                SEND_PATH,
                self.payload(message),
                token=self.access_token(refresh=True),
            )
            code = int(answer.get("errcode") or 0)
        if code == 0:
            return Sent(gateway_id=str(answer.get("msgid") or ""), code="0")
        reason = REASONS.get(code) or str(answer.get("errmsg") or "")
        reason = reason.replace(message.address, "***")
        if code in TRANSIENT or code in TOKEN_INVALID:
            raise Transient(str(code), reason)
        raise Permanent(str(code), reason)

    def _post(self, path: str, body: dict[str, Any], *, token: str = "") -> dict[str, Any]:
        try:
            response = self.session.post(
                f"{self.api_base}{path}",
                params={"access_token": token} if token else None,
                json=body,
                timeout=self.timeout,
            )
        except requests.Timeout as fault:
            raise Transient("timeout", f"no answer within {self.timeout:g} s") from fault
        except requests.RequestException as fault:
            raise Transient("connection", type(fault).__name__) from fault
        if response.status_code >= 500:
            raise Transient(f"http_{response.status_code}", response.reason or "server error")
        try:
            answer = response.json()
        except ValueError as fault:
            raise Transient(f"http_{response.status_code}", "the answer was not JSON") from fault
        return answer if isinstance(answer, dict) else {}
