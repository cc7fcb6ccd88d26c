"""节日名称: the State Council's holiday names in the reader's language (``{{ day.name|festival }}``).

The calendar stores a festival as the notice writes it (元旦, 春节 …); the seven national holidays
have English names, any other name (a county's own) shows as written.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

FESTIVALS = {
    "元旦": _("New Year's Day"),
    "春节": _("Spring Festival"),
    "清明节": _("Qingming Festival"),
    "清明": _("Qingming Festival"),
    "劳动节": _("Labour Day"),
    "五一": _("Labour Day"),
    "端午节": _("Dragon Boat Festival"),
    "端午": _("Dragon Boat Festival"),
    "中秋节": _("Mid-Autumn Festival"),
    "中秋": _("Mid-Autumn Festival"),
    "国庆节": _("National Day"),
    "国庆": _("National Day"),
    "中秋节、国庆节": _("Mid-Autumn Festival and National Day"),
}


@register.filter
def festival(name: str) -> str:
    """A holiday's name in the active language (“Spring Festival” for 春节 in English)."""
    label = FESTIVALS.get((name or "").strip())
    return str(label) if label is not None else name
