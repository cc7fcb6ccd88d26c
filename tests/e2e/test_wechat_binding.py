"""微信绑定 on a phone (375 px): a deputy binds WeChat from 消息中心 → 通知设置 — WeChat's authorisation
page (intercepted: it answers as WeChat does, with a code and the state) sends them back, the code is
exchanged at the fake WeChat API for the openid — sees it bound (masked), unbinds; a forged state
is refused with a Chinese message."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from renda.accounts.models import Role
from renda.notifications.models import RecipientSettings
from renda.notifications.tests.conftest import fake_gateway  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)
OPENID = "oB_hN41zbT1OvATDONK5LccFIwwA"


@pytest.fixture
def wechat_configured(settings, fake_gateway):  # noqa: F811
    cache.clear()
    settings.NOTIFICATION_GATEWAYS = {
        "email": {"BACKEND": "console"},
        "sms": {"BACKEND": "console"},
        "wechat": {
            "BACKEND": "wechat", "APPID": "wx-app-1", "SECRET": "wx-secret", "TEMPLATE_ID": "T1",
            "TOKEN": "t", "API_BASE": f"{fake_gateway.url}/wx", "TIMEOUT": 5,
        },
    }  # fmt: skip
    fake_gateway.always("/wx/sns/oauth2/access_token", 200, {"openid": OPENID, "scope": "snsapi_base"})
    return fake_gateway


def _as_wechat_answers(route) -> None:
    """WeChat's authorisation page with scope snsapi_base: silent, straight back with a code."""
    query = parse_qs(urlsplit(route.request.url.split("#")[0]).query)
    assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]
    back = query["redirect_uri"][0] + "?" + urlencode({"code": "E2E-CODE", "state": query["state"][0]})
    route.fulfill(status=302, headers={"Location": back})


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_deputy_binds_and_unbinds_wechat_on_a_phone(
    wechat_configured, make_user, phone_page, sign_in, shot
):
    deputy = make_user(Role.DEPUTY, real_name="林晓梅", phone="13812345678")
    page = phone_page
    sign_in(page, deputy)
    page.route("https://open.weixin.qq.com/**", _as_wechat_answers)
    page.goto("/notifications/settings/")
    expect(page.locator("h1")).to_have_text("通知设置")
    state = page.get_by_test_id("wechat-state")
    expect(state).to_have_text("未绑定")
    page.get_by_test_id("wechat-bind").scroll_into_view_if_needed()
    _no_sideways_scroll(page)
    shot(page, "1-not-bound-375")

    page.get_by_test_id("wechat-bind").click()
    # (the browser keeps WeChat's "#wechat_redirect" through the redirects back)
    page.wait_for_url(re.compile(r".*/notifications/settings/(#wechat_redirect)?$"))
    expect(page.get_by_text("微信已绑定：通知可以通过微信送达您。")).to_be_visible()
    expect(state).to_contain_text("已绑定")
    expect(state).not_to_contain_text(OPENID)
    assert RecipientSettings.objects.get(user=deputy).wechat_openid == OPENID
    (exchange,) = wechat_configured.to("/wx/sns/oauth2/access_token")
    assert exchange.query["code"] == ["E2E-CODE"]
    page.get_by_test_id("wechat-unbind").scroll_into_view_if_needed()
    _no_sideways_scroll(page)
    shot(page, "2-bound-375")

    page.get_by_test_id("wechat-unbind").click()
    expect(page.get_by_text("已解除微信绑定。")).to_be_visible()
    expect(state).to_have_text("未绑定")
    assert RecipientSettings.objects.get(user=deputy).wechat_openid == ""

    # A forged return (someone else's state) is refused in Chinese, nothing bound.
    page.goto("/notifications/settings/wechat/callback/?code=X&state=" + "1" * 58)
    expect(page.get_by_test_id("wechat-refused")).to_contain_text("绑定链接无效，请重新绑定。")
    _no_sideways_scroll(page)
    shot(page, "3-forged-refused-375")
    assert RecipientSettings.objects.get(user=deputy).wechat_openid == ""
