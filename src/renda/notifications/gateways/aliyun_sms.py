"""阿里云短信 (Alibaba Cloud SMS): ``SendSms`` of ``dysmsapi`` (API version 2017-05-25), signed with
the RPC signature (HMAC-SHA1, ``SignatureVersion`` 1.0) exactly as the API documents it:

1. every parameter but ``Signature`` sorted by name, each name and value percent-encoded
   (RFC 3986: unreserved characters ``A-Z a-z 0-9 - _ . ~`` kept, space as ``%20``), joined
   ``name=value`` with ``&`` — the canonicalized query string;
2. ``StringToSign = HTTPMethod + "&" + percentEncode("/") + "&" + percentEncode(canonicalized)``;
3. ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``.

The answer is JSON: ``Code`` ``OK`` with a ``BizId``, or an error code (``isv.*``/``isp.*``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from typing import Any
from urllib.parse import quote

import requests

from renda.notifications.gateways.base import Message, Permanent, Receipt, Sent, Transient

API_VERSION = "2017-05-25"
# Codes that pass by waiting (flow control, the platform's own faults); every other code is final.
TRANSIENT_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.DAY_LIMIT_CONTROL",
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "SignatureNonceUsed",
    "Throttling",
    "Throttling.User",
    "ServiceUnavailable",
    "InternalError",
}
VARIABLE_MAX = 35  # the platform's limit on one variable of a notification template


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the signature wants it (``quote`` with only ``~`` safe)."""
    return quote(str(value), safe="~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def sign(secret: str, method: str, params: dict[str, str]) -> str:
    digest = hmac.new(
        f"{secret}&".encode(), string_to_sign(method, params).encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsGateway:
    channel = "sms"

    def __init__(
        self,
        *,
        channel: str = "sms",
        access_key_id: str = "",
        access_key_secret: str = "",
        sign_name: str = "",
        template_code: str = "",
        endpoint: str = "https://dysmsapi.aliyuncs.com/",
        region_id: str = "cn-hangzhou",
        text_variables: int | str = 1,
        timeout: float = 10.0,
        **options: Any,
    ) -> None:
        self.channel = channel
        self.access_key_id, self.access_key_secret = access_key_id, access_key_secret
        self.sign_name, self.template_code = sign_name, template_code
        self.endpoint, self.region_id, self.timeout = endpoint, region_id, float(timeout)
        # How many 35-character variables the template gives the text: ``${text}``, ``${text2}`` …
        # (a citizen's tracking-code text needs two).
        self.text_variables = max(1, int(text_variables or 1))
        self.session = requests.Session()

    def template_param(self, message: Message) -> dict[str, str]:
        """The template's variables: ``${kind}`` (the kind's label) and ``${text}`` (the notice) —
        with ``text_variables`` > 1 the text goes on in ``${text2}``, ``${text3}`` … — each at most
        the platform's limit of characters."""
        params = {"kind": message.kind_label[:VARIABLE_MAX], "text": message.text[:VARIABLE_MAX]}
        for n in range(2, self.text_variables + 1):
            params[f"text{n}"] = message.text[(n - 1) * VARIABLE_MAX : n * VARIABLE_MAX]
        return params

    def params(self, message: Message, *, now: dt.datetime | None = None, nonce: str = "") -> dict[str, str]:
        now = now or dt.datetime.now(dt.UTC)
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self.region_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": message.address,
            "SignName": self.sign_name,
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps(self.template_param(message), ensure_ascii=False),
        }
        if message.reference:
            params["OutId"] = message.reference
        params["Signature"] = sign(self.access_key_secret, "POST", params)
        return params

    def _signed(self, params: dict[str, str]) -> dict[str, str]:
        common = {
            "AccessKeyId": self.access_key_id,
            "Format": "JSON",
            "RegionId": self.region_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        signed = {**common, **params}
        signed["Signature"] = sign(self.access_key_secret, "POST", signed)
        return signed

    def receipt(self, *, address: str, gateway_id: str, sent_on: dt.date) -> Receipt:
        """回执: ``QuerySendDetails`` for the message ``gateway_id`` (the ``BizId``) sent on ``sent_on``:
        ``SendStatus`` 3 delivered, 2 failed (``ErrCode`` the operator's reason), 1 waiting."""
        params = {
            "Action": "QuerySendDetails",
            "PhoneNumber": address,
            "BizId": gateway_id,
            "SendDate": sent_on.strftime("%Y%m%d"),
            "PageSize": "10",
            "CurrentPage": "1",
        }
        try:
            response = self.session.post(self.endpoint, data=self._signed(params), timeout=self.timeout)
            answer = response.json()
        except (requests.RequestException, ValueError) as fault:
            raise Transient("receipt", type(fault).__name__) from fault
        if str(answer.get("Code")) != "OK":
            raise Transient(str(answer.get("Code") or f"http_{response.status_code}"), "no receipt")
        details = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        if not details:
            return Receipt("pending")
        detail = details[0]
        status = int(detail.get("SendStatus") or 1)
        code = str(detail.get("ErrCode") or "")
        if status == 3:
            return Receipt("delivered", code or "DELIVERED")
        if status == 2:
            return Receipt("failed", code or "FAILED")
        return Receipt("pending", code)

    def send(self, message: Message) -> Sent:
        if not (self.access_key_id and self.access_key_secret and self.sign_name and self.template_code):
            raise Permanent("not_configured", "the SMS gateway has no access key, signature or template")
        try:
            response = self.session.post(self.endpoint, data=self.params(message), timeout=self.timeout)
        except requests.Timeout as fault:
            raise Transient("timeout", f"no answer within {self.timeout:g} s") from fault
        except requests.RequestException as fault:
            raise Transient("connection", type(fault).__name__) from fault
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        code = str(answer.get("Code") or "")
        reason = str(answer.get("Message") or response.reason or "").replace(message.address, "***")
        if response.status_code >= 500:
            raise Transient(code or f"http_{response.status_code}", reason or "server error")
        if code == "OK":
            return Sent(gateway_id=str(answer.get("BizId") or ""), code="OK")
        if code in TRANSIENT_CODES:
            raise Transient(code, reason)
        raise Permanent(code or f"http_{response.status_code}", reason or "rejected")
