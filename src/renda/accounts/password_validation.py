"""密码策略: passwords mix letters and digits (on top of Django's length and common-password checks)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """A password must contain at least one letter and at least one digit."""

    def validate(self, password: str, user=None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError(
                _("The password must contain both letters and digits."), code="password_character_classes"
            )

    def get_help_text(self) -> str:
        return _("Your password must contain both letters and digits.")
