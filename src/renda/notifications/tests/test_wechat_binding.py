"""WeChat by the official account: binding by 网页授权 (signed state, code exchange and its error codes,
unbinding, audit), sending to the bound openid by ``bizsend``, and the signed event push (receipts)."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import Role
from renda.core.models import AuditEvent
from renda.notifications import wechat
from renda.notifications.delivery import deliveries_send
from renda.notifications.kinds import INBOX, SMS, WECHAT, Kind, declare
from renda.notifications.models import Delivery, RecipientSettings
from renda.notifications.services import notify

pytestmark = pytest.mark.django_db

declare(Kind("test.wx", "测试微信", (INBOX, WECHAT, SMS)))
OPENID = "oB_hN41zbT1OvATDONK5LccFIwwA"
TOKEN = "renda-wx-token"
BIZSEND = "/wx/cgi-bin/message/subscribe/bizsend"
EXCHANGE = "/wx/sns/oauth2/access_token"


@pytest.fixture
def wx(settings, fake_gateway):
    cache.clear()
    settings.NOTIFICATION_GATEWAYS = {
        "email": {"BACKEND": "console"},
        "sms": {"BACKEND": "console"},
        "wechat": {
            "BACKEND": "wechat", "APPID": "wx-app-1", "SECRET": "wx-secret", "TEMPLATE_ID": "T1",
            "TOKEN": TOKEN, "API_BASE": f"{fake_gateway.url}/wx", "SITE_URL": "https://rd.example.cn",
            "TIMEOUT": 2,
        },
    }  # fmt: skip
    settings.RENDA_NOTIFICATIONS = {"QUIET_START": "00:00", "QUIET_END": "00:00"}
    fake_gateway.always("/wx/cgi-bin/stable_token", 200, {"access_token": "T", "expires_in": 7200})
    return fake_gateway


@pytest.fixture
def deputy(make_user):
    return make_user(Role.DEPUTY, phone="13812345678")


def _start(c) -> str:
    response = c.post(reverse("notifications:wechat_bind"))
    assert response.status_code == 302
    return response["Location"]


def _state_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["state"][0]


def test_binding_by_web_authorisation_then_unbinding(wx, deputy, client_for):
    c = client_for(deputy)
    page = c.get(reverse("notifications:preferences")).content.decode()
    assert 'data-testid="wechat-bind"' in page
    location = _start(c)
    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(location.removesuffix("#wechat_redirect")).query)
    assert query["appid"] == ["wx-app-1"] and query["response_type"] == ["code"]
    assert query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"][0].endswith(reverse("notifications:wechat_callback"))
    state = query["state"][0]
    assert len(state) == 58 and state.isalnum()

    wx.answer(
        EXCHANGE, (200, {"access_token": "A", "expires_in": 7200, "openid": OPENID, "scope": "snsapi_base"})
    )
    back = c.get(reverse("notifications:wechat_callback"), {"code": "CODE-1", "state": state})
    assert back.status_code == 302 and back["Location"] == reverse("notifications:preferences")
    (exchange,) = wx.to(EXCHANGE)
    assert exchange.method == "GET"
    assert {k: v[0] for k, v in exchange.query.items()} == {
        "appid": "wx-app-1", "secret": "wx-secret", "code": "CODE-1", "grant_type": "authorization_code",
    }  # fmt: skip
    own = RecipientSettings.objects.get(user=deputy)
    assert own.wechat_openid == OPENID and own.wechat_bound_at is not None
    page = c.get(reverse("notifications:preferences")).content.decode()
    assert OPENID not in page and "oB_" in page and "IwwA" in page  # masked
    assert 'data-testid="wechat-unbind"' in page
    bind_audit = AuditEvent.objects.get(action="notifications.wechat_bind")
    assert OPENID not in bind_audit.note

    assert c.post(reverse("notifications:wechat_unbind")).status_code == 302
    assert RecipientSettings.objects.get(user=deputy).wechat_openid == ""
    assert AuditEvent.objects.filter(action="notifications.wechat_unbind").count() == 1


def test_a_forged_state_is_refused_in_chinese(wx, deputy, client_for):
    c = client_for(deputy)
    state = _state_of(_start(c))
    forged = state[:-1] + ("0" if state[-1] != "0" else "1")
    response = c.get(reverse("notifications:wechat_callback"), {"code": "C", "state": forged})
    assert response.status_code == 400
    assert "绑定链接无效" in response.content.decode()
    assert wx.to(EXCHANGE) == [] and not RecipientSettings.objects.filter(wechat_openid=OPENID).exists()


def test_a_state_is_used_once_and_only_by_its_session(wx, deputy, make_user, client_for):
    c = client_for(deputy)
    state = _state_of(_start(c))
    other = client_for(make_user(Role.DEPUTY))
    assert (
        other.get(reverse("notifications:wechat_callback"), {"code": "C", "state": state}).status_code == 400
    )
    wx.answer(EXCHANGE, (200, {"openid": OPENID}))
    assert c.get(reverse("notifications:wechat_callback"), {"code": "C", "state": state}).status_code == 302
    again = c.get(reverse("notifications:wechat_callback"), {"code": "C", "state": state})
    assert again.status_code == 400 and len(wx.to(EXCHANGE)) == 1


def test_an_expired_state_is_refused(wx, deputy, client_for):
    c = client_for(deputy)
    nonce = "0123456789abcdef"
    session = c.session
    session[wechat.SESSION_KEY] = nonce
    session.save()
    stamp = str(int(time.time()) - 11 * 60)  # valid for 10 minutes
    state = f"{stamp}{nonce}{wechat._mac(deputy, nonce, stamp)}"
    response = c.get(reverse("notifications:wechat_callback"), {"code": "C", "state": state})
    assert response.status_code == 400 and "已过期" in response.content.decode()
    assert wx.to(EXCHANGE) == []


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ((200, {"errcode": 40029, "errmsg": "invalid code"}), "授权码无效"),
        ((200, {"errcode": 40163, "errmsg": "code been used"}), "已使用"),
        ((200, {"errcode": -1, "errmsg": "system error"}), "微信繁忙"),
        ((502, {}), "微信繁忙"),
        ((200, {"errcode": 48001, "errmsg": "api unauthorized"}), "48001"),
    ],
)
def test_code_exchange_errors_are_told_not_bound(wx, deputy, client_for, answer, said):
    c = client_for(deputy)
    state = _state_of(_start(c))
    wx.answer(EXCHANGE, answer)
    response = c.get(reverse("notifications:wechat_callback"), {"code": "C", "state": state})
    assert response.status_code == 400 and said in response.content.decode()
    assert not RecipientSettings.objects.exclude(wechat_openid="").exists()


def test_one_wechat_binds_one_account(wx, deputy, make_user, client_for):
    RecipientSettings.objects.create(user=make_user(Role.STAFF), wechat_openid=OPENID)
    c = client_for(deputy)
    state = _state_of(_start(c))
    wx.answer(EXCHANGE, (200, {"openid": OPENID}))
    response = c.get(reverse("notifications:wechat_callback"), {"code": "C", "state": state})
    assert response.status_code == 400 and "另一个账号" in response.content.decode()


def test_without_configuration_binding_is_refused_with_a_message(settings, deputy, client_for):
    settings.NOTIFICATION_GATEWAYS = {c: {"BACKEND": "console"} for c in ("sms", "wechat", "email")}
    c = client_for(deputy)
    assert 'data-testid="wechat-bind"' not in c.get(reverse("notifications:preferences")).content.decode()
    response = c.post(reverse("notifications:wechat_bind"))
    assert response.status_code == 400 and "未配置" in response.content.decode()


def test_the_callback_needs_a_signed_in_person(wx, client):
    response = client.get(reverse("notifications:wechat_callback"), {"code": "C", "state": "x"})
    assert response.status_code == 302 and "login" in response["Location"]


def _bound_and_sent(wx, deputy, capture) -> Delivery:
    RecipientSettings.objects.create(user=deputy, wechat_openid=OPENID)
    wx.answer(BIZSEND, (200, {"errcode": 0, "errmsg": "ok"}))
    with capture(execute=True):
        notify(kind="test.wx", recipients=[deputy], text="建议已交办", link="/suggestions/1/")
    deliveries_send(now=timezone.now())
    return Delivery.objects.get(channel=WECHAT)


def test_a_bound_openid_receives_the_subscription_notice(wx, deputy, django_capture_on_commit_callbacks):
    delivery = _bound_and_sent(wx, deputy, django_capture_on_commit_callbacks)
    (sent,) = wx.to(BIZSEND)
    assert sent.json["touser"] == OPENID and sent.json["template_id"] == "T1"
    assert sent.json["page"] == "https://rd.example.cn/suggestions/1/"
    assert "miniprogram_state" not in sent.json
    assert delivery.status == Delivery.Status.SENT and OPENID not in delivery.address_masked


# --- the event push ---------------------------------------------------------------------------------


def _signed(timestamp: int | None = None, nonce: str = "n0nce") -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = hashlib.sha1("".join(sorted([TOKEN, stamp, nonce])).encode()).hexdigest()  # noqa: S324
    return {"signature": signature, "timestamp": stamp, "nonce": nonce}


def _sent_event(code: str, status: str, openid: str = OPENID) -> bytes:
    return f"""<xml>
<ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
<FromUserName><![CDATA[{openid}]]></FromUserName>
<CreateTime>1610969440</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe_msg_sent_event]]></Event>
<SubscribeMsgSentEvent><List>
<TemplateId><![CDATA[T1]]></TemplateId><MsgID>1700827132819554304</MsgID>
<ErrorCode>{code}</ErrorCode><ErrorStatus><![CDATA[{status}]]></ErrorStatus>
</List></SubscribeMsgSentEvent>
</xml>""".encode()


def _events(params: dict[str, str]) -> str:
    return reverse("notifications:wechat_events") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_wechat_checks_the_server_address_with_its_signature(wx, client):
    ok = client.get(_events({**_signed(), "echostr": "ECHO-123"}))
    assert ok.status_code == 200 and ok.content == b"ECHO-123"
    bad = {**_signed(), "echostr": "x"}
    bad["signature"] = "0" * 40
    assert client.get(_events(bad)).status_code == 403
    assert client.get(reverse("notifications:wechat_events")).status_code == 403
    stale = _signed(int(time.time()) - 3600)
    assert client.get(_events({**stale, "echostr": "x"})).status_code == 403


def test_a_sent_event_marks_the_notice_delivered(wx, deputy, client, django_capture_on_commit_callbacks):
    delivery = _bound_and_sent(wx, deputy, django_capture_on_commit_callbacks)
    response = client.post(_events(_signed()), _sent_event("0", "success"), content_type="text/xml")
    assert response.status_code == 200 and response.content == b"success"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.delivered_at is not None
    assert delivery.gateway_id == "1700827132819554304"


def test_a_failed_event_fails_the_notice_with_the_reason_and_falls_back(
    wx, deputy, client, django_capture_on_commit_callbacks
):
    delivery = _bound_and_sent(wx, deputy, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            _events(_signed()), _sent_event("10002", "failed:user block"), content_type="text/xml"
        )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.reason == "failed:user block"
    assert delivery.gateway_code == "10002"
    assert Delivery.objects.filter(channel=SMS, fallback_of=delivery).count() == 1


def test_unsigned_or_hostile_events_change_nothing(wx, deputy, client, django_capture_on_commit_callbacks):
    delivery = _bound_and_sent(wx, deputy, django_capture_on_commit_callbacks)
    unsigned = client.post(
        reverse("notifications:wechat_events"), _sent_event("0", "success"), content_type="text/xml"
    )
    assert unsigned.status_code == 403
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml>&b;</xml>'
    assert client.post(_events(_signed()), bomb, content_type="text/xml").status_code == 400
    assert client.post(_events(_signed()), b"not xml", content_type="text/xml").status_code == 400
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
