from urllib.parse import urlencode

from django import template

register = template.Library()


@register.filter
def urlencode_dict(value: dict | None) -> str:
    """``{"a": "1"}`` → ``a=1``: a query string for a drill-down link."""
    return urlencode(value or {})


@register.filter
def money(value) -> str:
    """1234567.5 → ``1,234,567.50`` (empty for None)."""
    if value is None or value == "":
        return "—"
    from decimal import Decimal

    return f"{Decimal(value):,.2f}"
