"""代表: terms (届次), people (代表本人), their seats per term (Deputy), delegations and groups."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

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


class Gender(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Person(models.Model):
    """代表本人: the person who holds seats in one or more terms, and their one user account."""

    Gender = Gender

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
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
        related_name="deputy_person",
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("deputy (person)")
        verbose_name_plural = _("deputies (people)")
        indexes = [models.Index(fields=["name", "birth_year"], name="person_name_birth")]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


# The person's fields a seat reads through (``deputy.name`` …) and ``Deputy.objects.create`` accepts.
PERSON_FIELDS = ("name", "gender", "ethnicity", "birth_year", "party", "workplace", "phone", "user")


class DeputyManager(models.Manager["Deputy"]):
    def create_seat(self, **kwargs: Any) -> Deputy:
        """A seat and, given the person's fields (``name=…, user=…``) instead of ``person``, its person."""
        person_fields = {k: kwargs.pop(k) for k in (*PERSON_FIELDS, "user_id") if k in kwargs}
        if person_fields:
            if kwargs.get("person") is not None or kwargs.get("person_id") is not None:
                raise TypeError("give either person or the person's fields, not both")
            kwargs["person"] = Person.objects.create(**person_fields)
        return self.create(**kwargs)

    def create(self, **kwargs: Any) -> Deputy:
        # The person's fields were the seat's before people and seats were split: keep accepting them.
        if any(k in kwargs for k in (*PERSON_FIELDS, "user_id")):
            return self.create_seat(**kwargs)
        return super().create(**kwargs)


class EndReason(models.TextChoices):
    RESIGNED = "resigned", _("resigned")
    RECALLED = "recalled", _("recalled")
    TRANSFERRED = "transferred", _("transferred away")
    DECEASED = "deceased", _("deceased")
    OTHER = "other", _("other")


class Deputy(models.Model):
    """代表席位: one person's seat in one term (group, constituency, number, start and end).

    Every foreign key elsewhere (suggestions, liaison, budget) points at the seat; the person's
    name, phone and account are read through it (``deputy.name``, ``deputy.user``).
    """

    Gender = Gender
    EndReason = EndReason

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="seats"
    )
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
    start_date = models.DateField(_("seat start date"), null=True, blank=True)
    end_date = models.DateField(_("seat end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason the seat ended"), max_length=20, choices=EndReason.choices, blank=True
    )
    is_active = models.BooleanField(_("serving"), default=True)

    objects: ClassVar[DeputyManager] = DeputyManager()

    class Meta:
        ordering = ["term", "number"]
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        constraints = [
            models.UniqueConstraint(fields=["term", "number"], name="deputy_unique_number"),
            models.UniqueConstraint(fields=["term", "person"], name="deputy_one_seat_per_term"),
        ]

    def __str__(self) -> str:
        return self.person.name

    # --- the person's data, read through the seat -----------------------------------------------
    @property
    def name(self) -> str:
        return self.person.name

    @property
    def gender(self) -> str:
        return self.person.gender

    def get_gender_display(self) -> str:
        return self.person.get_gender_display()

    @property
    def ethnicity(self) -> str:
        return self.person.ethnicity

    @property
    def birth_year(self) -> int | None:
        return self.person.birth_year

    @property
    def party(self) -> str:
        return self.person.party

    @property
    def workplace(self) -> str:
        return self.person.workplace

    @property
    def phone(self) -> str:
        return self.person.phone

    @property
    def phone_masked(self) -> str:
        return self.person.phone_masked

    @property
    def user(self) -> Any:
        return self.person.user

    @property
    def user_id(self) -> int | None:
        return self.person.user_id

    # --- the seat's own span ---------------------------------------------------------------------
    @property
    def seat_start(self) -> dt.date:
        return self.start_date or self.term.start_date

    @property
    def seat_end(self) -> dt.date:
        return self.end_date or self.term.end_date

    @property
    def is_partial(self) -> bool:
        """补选 or ended early: the seat does not span the whole term."""
        return bool(
            (self.start_date and self.start_date > self.term.start_date)
            or (self.end_date and self.end_date < self.term.end_date)
        )

    @property
    def span_label(self) -> str:
        """ "任职至 2026-03" for a seat that ended early, "2024-05 起" for a late one, else ""."""
        if self.end_date and self.end_date < self.term.end_date:
            return str(_("serving until %(month)s")) % {"month": self.end_date.strftime("%Y-%m")}
        if self.start_date and self.start_date > self.term.start_date:
            return str(_("serving from %(month)s")) % {"month": self.start_date.strftime("%Y-%m")}
        return ""


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
from renda.deputies.models.archive import (  # noqa: E402  (the archive's models, registered with the app)
    ArchiveEntry,
    ArchiveEvidence,
    ArchiveStep,
    GroupReviewer,
)

__all__ = [
    "Activity",
    "ActivityEvent",
    "ActivityFile",
    "ActivityKind",
    "ActivityReminder",
    "ArchiveEntry",
    "ArchiveEvidence",
    "ArchiveStep",
    "Attendance",
    "CalendarFeed",
    "Deputy",
    "DeputyGroup",
    "EndReason",
    "Gender",
    "GroupReviewer",
    "Invitation",
    "Level",
    "Person",
    "Term",
]
