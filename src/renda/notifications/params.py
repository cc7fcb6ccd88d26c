"""消息中心 parameters (``core.module_parameters``): dedup window, retries, quiet hours, rate limits.

A deployment overrides them in its settings: ``RENDA_NOTIFICATIONS = {"DEDUP_WINDOW_HOURS": 12}``.
"""

from __future__ import annotations

from typing import Any

from renda.core.module_parameters import ModuleParameters, Parameter

PARAMETERS = ModuleParameters(
    "RENDA_NOTIFICATIONS",
    DEDUP_WINDOW_HOURS=Parameter(
        20, "去重: the same kind about the same object reaches a recipient once within this many hours"
    ),
    MESSAGE_DEDUP_MINUTES=Parameter(
        60, "去重: the same kind about the same object is sent by SMS/WeChat/e-mail once within these minutes"
    ),
    DIGEST_AT=Parameter("07:30", "每日汇总: the hour the daily digest e-mail goes out"),
    MAX_ATTEMPTS=Parameter(5, "重试: attempts of one delivery before it fails for good"),
    RETRY_BASE_SECONDS=Parameter(30, "退避: the first retry waits this long; each next one twice as long"),
    RETRY_MAX_SECONDS=Parameter(3600, "退避: the longest wait between two attempts"),
    QUIET_START=Parameter("22:00", "免打扰开始: SMS and WeChat of non-urgent kinds wait from this hour"),
    QUIET_END=Parameter("07:00", "免打扰结束: … until this hour"),
    PHONE_TEXTS_PER_HOUR=Parameter(
        3, "限流: the most texts to one number without an account (a tracking code) within an hour"
    ),
    WECHAT_STATE_MINUTES=Parameter(10, "微信绑定: minutes a binding's signed state stays valid"),
    RATE_PER_MINUTE=Parameter(
        {"sms": 3000, "wechat": 3000, "email": 600},
        "限流: the most messages a gateway is sent per minute (per channel)",
    ),
)


def param(name: str) -> Any:
    return PARAMETERS(name)
