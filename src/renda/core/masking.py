"""脱敏: personal data shown masked (138****5678) to everyone but the roles that need it."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and the last four digits."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(value: str) -> str:
    """610***********1234: keep the region prefix and the last four characters."""
    value = value.strip()
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_personal(value: str) -> str:
    """Mask any personal datum: keep a short head and the last four characters."""
    value = value.strip()
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) <= 8:
        return f"{'*' * (len(value) - 4)}{value[-4:]}"
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
