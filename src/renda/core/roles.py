"""角色: the six roles of the platform (DESIGN.md, "Who uses it"). Compare roles only through this enum."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    STAFF = "staff", _("Committee staff")
    DEPUTY = "deputy", _("Deputy")
    UNIT_HANDLER = "unit_handler", _("Handling unit clerk")
    FINANCE_FEED = "finance_feed", _("Finance data interface")
    CITIZEN = "citizen", _("Citizen")
