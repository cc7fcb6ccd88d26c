"""用户与组织: users and their roles, regions (县/镇/村), organisations, API tokens."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.core.masking import mask_phone
from renda.core.models import TimeStampedModel
from renda.core.roles import Role

__all__ = ["ApiToken", "Organisation", "Region", "Role", "User"]


class Region(models.Model):
    """行政区划: the county, its towns and their villages, with administrative codes."""

    class Level(models.TextChoices):
        COUNTY = "county", _("county")
        TOWN = "town", _("town")
        VILLAGE = "village", _("village")

    code = models.CharField(_("administrative code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """组织机构: committee offices, government departments, township governments, the finance bureau."""

    class Kind(models.TextChoices):
        CONGRESS = "congress", _("Congress committee or office")
        DEPARTMENT = "department", _("Government department")
        TOWNSHIP = "township", _("Township government")
        FINANCE = "finance", _("Finance bureau")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class RendaUserManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """A person (or the finance bureau's system) who signs in to Renda. One role each."""

    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects: ClassVar[RendaUserManager] = RendaUserManager()

    if TYPE_CHECKING:
        # django-otp's OTPMiddleware sets these on the request's user; for the type checker only.
        def is_verified(self) -> bool: ...

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def needs_second_factor(self) -> bool:
        from django.conf import settings

        return self.role in settings.RENDA_SECOND_FACTOR_ROLES


class ApiToken(TimeStampedModel):
    """接口令牌: a machine client's secret (the finance bureau's system). Only its hash is kept."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
