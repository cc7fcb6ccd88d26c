"""网上家站: the deputy home (代表之家) and the liaison stations (代表联络站)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Organisation, Region
from renda.deputies.models import Deputy


class Station(models.Model):
    """代表之家/代表联络站: where deputies receive citizens."""

    class Kind(models.TextChoices):
        HOME = "home", _("Deputy home")
        STATION = "station", _("Liaison station")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("town"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("public telephone"), max_length=20, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
        help_text=_("The office whose staff manage the station."),
    )
    deputies = models.ManyToManyField(Deputy, verbose_name=_("deputies"), blank=True, related_name="stations")
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        ordering = ["region__code", "code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self) -> str:
        return self.name
