"""代表: terms (届次), deputies, and their delegations and groups (代表团/代表小组)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Region
from renda.core.masking import mask_phone


class Level(models.TextChoices):
    COUNTY = "county", _("county congress")
    TOWN = "town", _("town congress")


class Term(models.Model):
    """届次: one term of a congress, e.g. 第十九届."""

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=60)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        ordering = ["-start_date", "level"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [models.UniqueConstraint(fields=["region", "number"], name="term_unique_number")]

    def __str__(self) -> str:
        return self.name


class DeputyGroup(models.Model):
    """代表团/代表小组: the delegation or group a deputy belongs to, usually by town."""

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=60)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["term", "region__code", "name"]
        verbose_name = _("deputy group")
        verbose_name_plural = _("deputy groups")
        constraints = [models.UniqueConstraint(fields=["term", "name"], name="group_unique_name")]

    def __str__(self) -> str:
        return self.name


class Deputy(models.Model):
    """人大代表: one deputy in one term, and the user account they sign in with."""

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="deputies")
    group = models.ForeignKey(
        DeputyGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputies",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("constituency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.CharField(_("deputy number"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    party = models.CharField(_("political affiliation"), max_length=30, blank=True)
    workplace = models.CharField(_("workplace and post"), max_length=120, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputy",
    )
    is_active = models.BooleanField(_("serving"), default=True)

    class Meta:
        ordering = ["term", "number"]
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        constraints = [models.UniqueConstraint(fields=["term", "number"], name="deputy_unique_number")]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


# 代表活动 (activities, invitations, sign-in) live in their own module; imported last (they point at Deputy).
from renda.deputies.models.activities import (  # noqa: E402
    Activity,
    ActivityEvent,
    ActivityFile,
    ActivityKind,
    ActivityReminder,
    Attendance,
    CalendarFeed,
    Invitation,
)

__all__ = [
    "Activity",
    "ActivityEvent",
    "ActivityFile",
    "ActivityKind",
    "ActivityReminder",
    "Attendance",
    "CalendarFeed",
    "Deputy",
    "DeputyGroup",
    "Invitation",
    "Level",
    "Term",
]
