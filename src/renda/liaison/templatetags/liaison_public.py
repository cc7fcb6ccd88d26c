"""Template tags of the public liaison pages: 长者模式 (larger text, higher contrast)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

ELDER_COOKIE = "renda_elder"


def elder_mode_on(request: Any) -> bool:
    """长者模式 is on when the visitor chose it (a cookie, so it works without JavaScript)."""
    return request is not None and request.COOKIES.get(ELDER_COOKIE) == "1"


@register.simple_tag(takes_context=True)
def elder_mode(context: Any) -> bool:
    return elder_mode_on(context.get("request"))
