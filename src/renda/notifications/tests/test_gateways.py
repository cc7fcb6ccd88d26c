"""The real gateways against a local fake HTTP server: request shape, signature, error codes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.cache import cache

from renda.notifications.gateways import Message, Permanent, Transient
from renda.notifications.gateways.aliyun_sms import AliyunSmsGateway, sign, string_to_sign
from renda.notifications.gateways.email import DjangoEmailGateway
from renda.notifications.gateways.wechat import WeChatSubscribeGateway

MESSAGE = Message(
    address="13812345678",
    kind="suggestion.assigned",
    kind_label="建议已交办",
    text="建议2025-001“关于幸福小区老旧管网改造的建议”已交办，请于2025年6月30日前答复。",
    link="/suggestions/1/",
    created_at=dt.datetime(2025, 3, 5, 1, 30, tzinfo=dt.UTC),
    reference="renda-7",
)


def test_the_signature_matches_the_documented_example():
    """Alibaba Cloud's own worked example of the RPC signature (secret ``testsecret``)."""
    params = {
        "AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26",
    }  # fmt: skip
    assert string_to_sign("GET", params).startswith("GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions")
    assert sign("testsecret", "GET", params) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def _sms(fake_gateway, **extra) -> AliyunSmsGateway:
    return AliyunSmsGateway(
        access_key_id="LTAI-test", access_key_secret="secret-为了测试", sign_name="某县人大",
        template_code="SMS_123456", endpoint=f"{fake_gateway.url}/", timeout=extra.pop("timeout", 2), **extra,
    )  # fmt: skip


def _server_side_signature(form: dict[str, str], secret: str) -> str:
    """How the gateway checks a request: its own canonicalisation of what it received."""
    params = {k: v for k, v in form.items() if k != "Signature"}
    canonical = "&".join(f"{quote(k, safe='~')}={quote(params[k], safe='~')}" for k in sorted(params))
    to_sign = "POST&%2F&" + quote(canonical, safe="~")
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def test_sms_success_request_shape_and_signature(fake_gateway):
    fake_gateway.answer("/", (200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"}))
    sent = _sms(fake_gateway).send(MESSAGE)
    assert sent.gateway_id == "900619746936498440^0" and not sent.delivered
    (seen,) = fake_gateway.requests
    form = seen.form
    assert seen.method == "POST" and seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form["Action"] == "SendSms" and form["Version"] == "2017-05-25" and form["Format"] == "JSON"
    assert form["PhoneNumbers"] == "13812345678" and form["SignName"] == "某县人大"
    assert form["TemplateCode"] == "SMS_123456" and form["OutId"] == "renda-7"
    assert form["SignatureMethod"] == "HMAC-SHA1" and form["SignatureVersion"] == "1.0"
    assert len(form["SignatureNonce"]) >= 16 and form["Timestamp"].endswith("Z")
    variables = json.loads(form["TemplateParam"])
    assert variables == {"kind": "建议已交办", "text": MESSAGE.text[:35]}
    assert form["Signature"] == _server_side_signature(form, "secret-为了测试")


def test_a_long_text_goes_on_in_the_second_variable(fake_gateway):
    gateway = AliyunSmsGateway(
        access_key_id="k", access_key_secret="s", sign_name="某县人大", template_code="SMS_1",
        endpoint=fake_gateway.url, text_variables=2,
    )  # fmt: skip
    text = "您的意见已收到，查询码 2E5J-S36J-FRGY-FK，可在网上家站查询办理进度"
    variables = gateway.template_param(Message(**{**MESSAGE.__dict__, "text": text}))
    assert variables["text"] + variables["text2"] == text and len(variables["text"]) == 35


def test_sms_5xx_and_flow_control_are_transient_and_a_bad_number_permanent(fake_gateway):
    gateway = _sms(fake_gateway)
    fake_gateway.answer(
        "/",
        (503, {"Code": "ServiceUnavailable", "Message": "busy"}),
        (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发业务流控"}),
        (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号 13812345678"}),
        (400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}),
    )
    with pytest.raises(Transient) as busy:
        gateway.send(MESSAGE)
    assert busy.value.code == "ServiceUnavailable"
    with pytest.raises(Transient) as limited:
        gateway.send(MESSAGE)
    assert limited.value.code == "isv.BUSINESS_LIMIT_CONTROL"
    with pytest.raises(Permanent) as bad:
        gateway.send(MESSAGE)
    assert bad.value.code == "isv.MOBILE_NUMBER_ILLEGAL" and "13812345678" not in bad.value.reason
    with pytest.raises(Permanent) as unsigned:
        gateway.send(MESSAGE)
    assert unsigned.value.code == "SignatureDoesNotMatch"


def test_sms_timeout_is_transient(fake_gateway):
    fake_gateway.answer("/", (200, {"Code": "OK", "BizId": "1"}, 1.5))
    with pytest.raises(Transient) as slow:
        _sms(fake_gateway, timeout=0.3).send(MESSAGE)
    assert slow.value.code == "timeout"


def test_sms_without_configuration_fails_permanently(fake_gateway):
    with pytest.raises(Permanent) as unset:
        AliyunSmsGateway(endpoint=fake_gateway.url).send(MESSAGE)
    assert unset.value.code == "not_configured" and fake_gateway.requests == []


# --- WeChat ---------------------------------------------------------------------------------------

WX_MESSAGE = Message(**{**MESSAGE.__dict__, "address": "oB_hN41zbT1OvATDONK5LccFIwwA"})


@pytest.fixture
def wechat(fake_gateway):
    cache.clear()
    return WeChatSubscribeGateway(
        appid="wx1234567890", secret="wx-secret", template_id="TPL-1", page="https://rd.example.cn/notice/index",
        api_base=fake_gateway.url, timeout=2,
    )  # fmt: skip


def test_wechat_gets_a_token_once_and_sends_the_subscription_message(fake_gateway, wechat):
    fake_gateway.answer("/cgi-bin/stable_token", (200, {"access_token": "TOKEN-1", "expires_in": 7200}))
    ok = {"errcode": 0, "errmsg": "ok", "msgid": 42}
    fake_gateway.always("/cgi-bin/message/subscribe/bizsend", 200, ok)
    assert wechat.send(WX_MESSAGE).gateway_id == "42"
    assert wechat.send(WX_MESSAGE).gateway_id == "42"
    (token_call,) = fake_gateway.to("/cgi-bin/stable_token")  # cached for the second message
    assert token_call.json == {
        "grant_type": "client_credential",
        "appid": "wx1234567890",
        "secret": "wx-secret",
        "force_refresh": False,
    }
    first = fake_gateway.to("/cgi-bin/message/subscribe/bizsend")[0]
    assert first.query == {"access_token": ["TOKEN-1"]}
    body = first.json
    assert body["touser"] == WX_MESSAGE.address and body["template_id"] == "TPL-1"
    assert body["page"] == "https://rd.example.cn/notice/index"  # a web page: the official account's H5
    assert "miniprogram_state" not in body and "lang" not in body
    assert body["data"]["thing1"] == {"value": "建议已交办"}
    assert len(body["data"]["thing2"]["value"]) == 20 and body["data"]["thing2"]["value"].endswith("…")
    assert body["data"]["time3"] == {"value": "2025-03-05 09:30"}  # Beijing time


def test_wechat_refreshes_a_revoked_token_and_sends_again(fake_gateway, wechat):
    fake_gateway.answer(
        "/cgi-bin/stable_token",
        (200, {"access_token": "OLD", "expires_in": 7200}),
        (200, {"access_token": "NEW", "expires_in": 7200}),
    )
    fake_gateway.answer(
        "/cgi-bin/message/subscribe/bizsend",
        (200, {"errcode": 40001, "errmsg": "invalid credential"}),
        (200, {"errcode": 0, "errmsg": "ok", "msgid": 7}),
    )
    assert wechat.send(WX_MESSAGE).gateway_id == "7"
    tokens = fake_gateway.to("/cgi-bin/stable_token")
    assert [t.json["force_refresh"] for t in tokens] == [False, True]
    sends = fake_gateway.to("/cgi-bin/message/subscribe/bizsend")
    assert [s.query["access_token"] for s in sends] == [["OLD"], ["NEW"]]


@pytest.mark.parametrize(
    ("errcode", "fault"), [(43101, Permanent), (47003, Permanent), (40003, Permanent), (-1, Transient)]
)
def test_wechat_error_codes(fake_gateway, wechat, errcode, fault):
    fake_gateway.answer("/cgi-bin/stable_token", (200, {"access_token": "T", "expires_in": 7200}))
    fake_gateway.answer("/cgi-bin/message/subscribe/bizsend", (200, {"errcode": errcode, "errmsg": "x"}))
    with pytest.raises(fault) as raised:
        wechat.send(WX_MESSAGE)
    assert raised.value.code == str(errcode)
    if errcode == 43101:
        assert "refused" in raised.value.reason


def test_wechat_5xx_is_transient(fake_gateway, wechat):
    fake_gateway.answer("/cgi-bin/stable_token", (502, {}))
    with pytest.raises(Transient) as down:
        wechat.send(WX_MESSAGE)
    assert down.value.code == "http_502"


# --- e-mail ---------------------------------------------------------------------------------------


def test_email_goes_through_djangos_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RENDA_SITE_URL = "https://rd.example.cn"
    DjangoEmailGateway().send(Message(**{**MESSAGE.__dict__, "address": "clerk@example.cn"}))
    (sent,) = mail.outbox
    assert sent.to == ["clerk@example.cn"] and "建议已交办" in sent.subject
    assert sent.body.endswith("https://rd.example.cn/suggestions/1/")
