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
    MAX_ATTEMPTS=Parameter(5, "重试: attempts of one delivery before it fails for good"),
    RETRY_BASE_SECONDS=Parameter(30, "退避: the first retry waits this long; each next one twice as long"),
    RETRY_MAX_SECONDS=Parameter(3600, "退避: the longest wait between two attempts"),
    QUIET_START=Parameter("22:00", "免打扰开始: SMS and WeChat of non-urgent kinds wait from this hour"),
    QUIET_END=Parameter("07:00", "免打扰结束: … until this hour"),
    RATE_PER_MINUTE=Parameter(
        {"sms": 600, "wechat": 1200, "email": 600},
        "限流: the most messages a gateway is sent per minute (per channel)",
    ),
    GATEWAY_TIMEOUT_SECONDS=Parameter(10, "超时: seconds to wait for an SMS or WeChat gateway's answer"),
)


def param(name: str) -> Any:
    return PARAMETERS(name)
