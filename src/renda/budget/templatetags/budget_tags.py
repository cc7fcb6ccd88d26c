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


@register.simple_tag(takes_context=True)
def amount_unit(context):
    """``{% amount_unit as unit %}``: the unit the reader shows amounts in (元 / 万元 / 亿元)."""
    from renda.budget.selectors.reading import reader_amount_unit

    request = context.get("request")
    return reader_amount_unit(actor=getattr(request, "user", None))


@register.filter
def in_unit(value, unit) -> str:
    """``{{ amount|in_unit:unit }}``: ``1234567.5`` yuan in 万元 → ``123.46`` (exact, half up)."""
    if value is None or value == "":
        return "—"
    return f"{unit.convert(value):,.2f}"


@register.filter
def with_unit(text, unit) -> str:
    """``{{ _("Paid")|with_unit:unit }}`` → 已支付（万元）."""
    return unit.heading(text)


@register.inclusion_tag("budget/amount_unit_switch.html", takes_context=True)
def amount_unit_switch(context):
    """The 元 / 万元 / 亿元 switch: three buttons posting the choice, back to this page."""
    from renda.budget.amount_units import UNIT_CHOICES, shown_unit
    from renda.budget.selectors.reading import reader_amount_unit

    request = context.get("request")
    current = reader_amount_unit(actor=getattr(request, "user", None))
    return {
        "current": current,
        "choices": [shown_unit(code) for code in UNIT_CHOICES],
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
