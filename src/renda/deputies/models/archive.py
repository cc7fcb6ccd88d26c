"""履职档案: the archive of what a deputy did in a term, in the eight sections of 一人一档.

Automatic entries (建议提出、附议、接待日进站、答复群众意见 …) are written by the modules that hold the
facts, each linked to its source and never typed twice; self-reported entries (走访选民 …) carry
evidence and are reviewed in two steps (代表小组/乡镇 → 代表工委) before they count.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renda.core.workflow import WorkflowEvent
from renda.deputies.models import Deputy, DeputyGroup


class Section(models.TextChoices):
    """The eight sections of a deputy's archive (镇坪城关镇 一人一档)."""

    BASICS = "basics", _("Basic information")
    MEETINGS = "meetings", _("Meetings attended")
    INSPECTIONS = "inspections", _("Inspections and surveys")
    TRAINING = "training", _("Study and training")
    GROUP = "group", _("Deputy group activities")
    SUGGESTIONS = "suggestions", _("Suggestions and opinions")
    REPORTS = "reports", _("Reporting to voters")
    HONOURS = "honours", _("Commendations and awards")


class Kind(models.TextChoices):
    """What the entry records; the automatic kinds come from other modules."""

    SUGGESTION_SUBMITTED = "suggestion_submitted", _("Suggestion submitted")
    SUGGESTION_COSIGNED = "suggestion_cosigned", _("Suggestion co-signed")
    SUGGESTION_KEY = "suggestion_key", _("Suggestion made a key suggestion")
    SUGGESTION_RATED = "suggestion_rated", _("Reply to a suggestion evaluated")
    RECEPTION_DUTY = "reception_duty", _("Reception day at a station")
    OPINION_ANSWERED = "opinion_answered", _("Citizen's opinion answered")
    ACTIVITY_ATTENDED = "activity_attended", _("Activity attended")
    VISIT_VOTERS = "visit_voters", _("Visiting voters")
    OTHER_ACTIVITY = "other_activity", _("Other activity")
    MEETING = "meeting", _("Meeting attended")
    INSPECTION = "inspection", _("Inspection or survey")
    TRAINING = "training", _("Study or training")
    REPORT = "report", _("Report to voters")
    HONOUR = "honour", _("Commendation or award")


AUTOMATIC_KINDS = frozenset(
    {
        Kind.SUGGESTION_SUBMITTED,
        Kind.SUGGESTION_COSIGNED,
        Kind.SUGGESTION_KEY,
        Kind.SUGGESTION_RATED,
        Kind.RECEPTION_DUTY,
        Kind.OPINION_ANSWERED,
        Kind.ACTIVITY_ATTENDED,
    }
)
# What a deputy may report themselves, and the section each goes into.
SELF_REPORTED_SECTIONS = {
    Kind.VISIT_VOTERS: Section.GROUP,
    Kind.OTHER_ACTIVITY: Section.GROUP,
    Kind.MEETING: Section.MEETINGS,
    Kind.INSPECTION: Section.INSPECTIONS,
    Kind.TRAINING: Section.TRAINING,
    Kind.REPORT: Section.REPORTS,
    Kind.HONOUR: Section.HONOURS,
}


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("archive review", "Awaiting first review")
    CHECKED = "checked", pgettext_lazy("archive review", "Awaiting final review")
    RETURNED = "returned", pgettext_lazy("archive review", "Returned for correction")
    APPROVED = "approved", pgettext_lazy("archive review", "Approved")


class ArchiveEntry(models.Model):
    """档案条目: one fact of a seat's term; automatic (with its source) or self-reported (reviewed)."""

    State = ReviewState
    Section = Section
    Kind = Kind

    seat = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="archive_entries"
    )
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    date = models.DateField(_("date"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("description"), blank=True)
    is_automatic = models.BooleanField(_("recorded automatically"), default=False)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    state = models.CharField(
        _("review"), max_length=20, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    return_reason = models.CharField(_("reason for returning"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)  # a review names the version it saw
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("archive entry")
        verbose_name_plural = _("archive entries")
        indexes = [
            models.Index(fields=["seat", "date"], name="archive_seat_date"),
            # a section of one seat's archive, latest first (the archive page, a section's page)
            models.Index(fields=["seat", "section", "date"], name="archive_seat_section_date"),
            models.Index(fields=["state", "seat"], name="archive_state_seat"),
            models.Index(fields=["source_type", "source_id"], name="archive_source"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["seat", "kind", "source_type", "source_id"],
                condition=models.Q(is_automatic=True),
                name="archive_one_automatic_entry_per_source",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ArchiveEvidence(models.Model):
    """佐证材料: a photo or file of a self-reported entry, served only after a permission check."""

    entry = models.ForeignKey(ArchiveEntry, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="deputies/archive/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.name.lower().rsplit(".", 1)[-1] in {"jpg", "jpeg", "png"}


class ArchiveStep(WorkflowEvent):
    """审核记录: the append-only history of a self-reported entry's review."""

    entry = models.ForeignKey(ArchiveEntry, on_delete=models.CASCADE, related_name="steps")

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("archive review step")
        verbose_name_plural = _("archive review steps")


class GroupReviewer(models.Model):
    """初审人: who reviews the self-reported entries of a group first (a group leader, a town clerk)."""

    group = models.ForeignKey(DeputyGroup, on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewed_groups"
    )

    class Meta:
        verbose_name = _("group reviewer")
        verbose_name_plural = _("group reviewers")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_reviewer_unique")]

    def __str__(self) -> str:
        return f"{self.group} · {self.user}"
