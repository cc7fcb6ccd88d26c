"""代表建议: deputies' suggestions and their handling, from draft to closure.

The workflow (states and the allowed moves) lives in :mod:`renda.suggestions.workflow`; these
models hold the facts: the suggestion, its co-signers (附议), assignments to handling units
(主办/协办), contacts with the deputy, extension requests (延期), replies (答复), evaluations
(评价), commitments (承诺事项), chases (催办), the append-only timeline (its notices are the
notification centre's, ``renda.notifications``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from renda.core.categories import Topic
from renda.core.models import TimeStampedModel
from renda.core.workflow import WorkflowEvent


class State(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("suggestion state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("suggestion state", "Submitted")
    RETURNED = "returned", pgettext_lazy("suggestion state", "Returned for revision")
    CONVERTED = "converted", pgettext_lazy("suggestion state", "Converted to an opinion")
    MERGED = "merged", pgettext_lazy("suggestion state", "Merged")
    REGISTERED = "registered", pgettext_lazy("suggestion state", "Registered")
    ASSIGNED = "assigned", pgettext_lazy("suggestion state", "Assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("suggestion state", "In progress")
    REPLIED = "replied", pgettext_lazy("suggestion state", "Replied")
    CLOSED = "closed", pgettext_lazy("suggestion state", "Closed")


# States in which the handling units still owe something (deadlines run).
OPEN_HANDLING_STATES = (State.ASSIGNED, State.IN_PROGRESS)


class ReplyClass(models.TextChoices):
    A = "A", _("A · Solved")
    B = "B", _("B · Being solved")
    C = "C", _("C · Planned")
    D = "D", _("D · Kept for reference")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class SuggestionCategory(models.Model):
    """建议类别, e.g. 城乡建设, 教育. Managed by the deputy affairs office."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    # The subject of the platform's one list (shared with 网上家站's opinions) this category files
    # under; a county's own extra category has none and shows its name.
    topic = models.CharField(_("shared category"), max_length=20, choices=Topic.choices, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("suggestion category")
        verbose_name_plural = _("suggestion categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The category in the reader's language: in Chinese its name as the office writes it, in
        another language its subject's label (a county's own category keeps its name)."""
        if not self.topic or (get_language() or "zh").startswith("zh"):
            return self.name
        return str(Topic(self.topic).label)


class Session(models.Model):
    """会议: one period of a term's congress a suggestion belongs to — 第N次会议, either 大会期间 (the
    plenary days) or 闭会期间 (the interval after it until the next one). Kept by the deputy affairs
    office on the sessions page; a suggestion takes the period its date falls in."""

    class Kind(models.TextChoices):
        PLENARY = "plenary", _("During the session")
        INTERVAL = "interval", _("Between sessions")

    term = models.ForeignKey(
        "deputies.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="sessions"
    )
    number = models.PositiveSmallIntegerField(_("session number"), validators=[MinValueValidator(1)])
    kind = models.CharField(_("period"), max_length=10, choices=Kind.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(fields=["term", "number", "kind"], name="session_unique_period"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="session_dates"
            ),
        ]

    def __str__(self) -> str:
        return _("%(term)s, session %(n)s, %(kind)s") % {
            "term": self.term.name,
            "n": self.number,
            "kind": self.get_kind_display(),
        }

    @property
    def short_label(self) -> str:
        """第3次会议·大会 / 第3次会议·闭会: how lists and numbers name the period."""
        if self.kind == self.Kind.PLENARY:
            kind = pgettext("session period", "plenary")
        else:
            kind = pgettext("session period", "recess")
        label = pgettext("session period", "Session %(number)s · %(kind)s")
        return label % {
            "number": self.number,
            "kind": kind,
        }


class Suggestion(TimeStampedModel):
    """一件代表建议."""

    number = models.CharField(_("suggestion number"), max_length=30, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    # The session period it belongs to (set when it is written, by date; the office may correct it
    # when it registers it); numbering runs per session when it has one.
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    title = models.CharField(_("title"), max_length=120)
    content = models.TextField(_("content"))
    category = models.ForeignKey(
        SuggestionCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="suggestions"
    )
    deputy = models.ForeignKey(
        "deputies.Deputy", verbose_name=_("lead deputy"), on_delete=models.PROTECT, related_name="suggestions"
    )
    cosigners = models.ManyToManyField(
        "deputies.Deputy",
        verbose_name=_("co-signers"),
        through="CoSign",
        related_name="cosigned_suggestions",
        blank=True,
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_duplicates",
    )
    # 重点督办
    is_key = models.BooleanField(_("key suggestion"), default=False)
    supervising_leader = models.CharField(_("supervising leader"), max_length=50, blank=True)
    # Handling rounds and deadlines (anchors kept so the calendar can recompute them).
    rounds = models.PositiveSmallIntegerField(_("rounds"), default=0)
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)
    round_started_on = models.DateField(_("round started on"), null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("extension months"), default=0)
    reply_due = models.DateField(_("reply due"), null=True, blank=True, db_index=True)
    # Public results (公开): only what staff chose to publish — the reply letter's body with personal
    # data masked, checked by the office (``public_summary``), and which reply it is.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    public_summary = models.TextField(_("published reply"), blank=True)
    published_reply = models.ForeignKey(
        "Reply",
        verbose_name=_("published reply"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            # Numbered per year when there is no session, per session when there is one.
            models.UniqueConstraint(
                fields=["year", "seq"],
                name="suggestion_unique_seq",
                condition=models.Q(seq__isnull=False, session__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["session", "seq"],
                name="suggestion_unique_session_seq",
                condition=models.Q(seq__isnull=False, session__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    @property
    def lead_assignment(self) -> Assignment | None:
        for assignment in self.assignments.all():
            if assignment.role == Assignment.Role.LEAD and assignment.is_current:
                return assignment
        return None

    @property
    def last_reply(self) -> Reply | None:
        replies = sorted(self.replies.all(), key=lambda r: (r.round, r.pk))
        return replies[-1] if replies else None

    @property
    def current_assignments(self) -> list[Assignment]:
        return [a for a in self.assignments.all() if a.is_current]

    @property
    def co_assignments(self) -> list[Assignment]:
        """The current co-handling units (协办), each with its opinion or its state."""
        return [a for a in self.current_assignments if a.role == Assignment.Role.CO]

    @property
    def awaits_co_opinions(self) -> bool:
        return any(a.opinion_awaited for a in self.co_assignments)


class CoSign(models.Model):
    """附议: a deputy invited by the lead author; ``signed_at`` once they have agreed."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="cosigns")
    deputy = models.ForeignKey("deputies.Deputy", on_delete=models.PROTECT, related_name="cosigns")
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    signed_at = models.DateTimeField(_("co-signed at"), null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [models.UniqueConstraint(fields=["suggestion", "deputy"], name="cosign_unique")]
        verbose_name = _("co-signature")
        verbose_name_plural = _("co-signatures")

    def __str__(self) -> str:
        return f"{self.deputy} → {self.suggestion_id}"


class Assignment(TimeStampedModel):
    """交办: one handling unit's share of a suggestion (主办 or 协办)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit")
        CO = "co", _("Co-handling unit")

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="suggestion_assignments",
    )
    role = models.CharField(_("role"), max_length=4, choices=Role.choices)
    assigned_on = models.DateField(_("assigned on"))
    accept_due = models.DateField(_("accept by"))
    opinion_due = models.DateField(_("opinion due"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    opinion = models.TextField(_("co-handling opinion"), blank=True)
    opinion_at = models.DateTimeField(_("opinion sent at"), null=True, blank=True)
    release_requested_at = models.DateTimeField(_("replacement requested at"), null=True, blank=True)
    release_reason = models.CharField(_("reason for replacement"), max_length=500, blank=True)
    ended_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    # The office's decision to let the lead unit reply without this co-unit's opinion (overdue, or
    # the unit asked to be replaced): who, when and why.
    opinion_waived_at = models.DateTimeField(_("proceeding without the opinion since"), null=True, blank=True)
    opinion_waived_reason = models.CharField(
        _("reason for proceeding without the opinion"), max_length=500, blank=True
    )
    opinion_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["role", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()})"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    @property
    def opinion_awaited(self) -> bool:
        """A current co-unit whose opinion the lead unit's reply still waits for."""
        return (
            self.role == self.Role.CO
            and self.is_current
            and self.opinion_at is None
            and self.opinion_waived_at is None
        )

    @property
    def opinion_overdue(self) -> bool:
        from django.utils import timezone

        return bool(self.opinion_awaited and self.opinion_due and self.opinion_due < timezone.localdate())

    @property
    def accepted_in_time(self) -> bool | None:
        if self.accepted_at is None:
            return None
        from django.utils import timezone

        return timezone.localdate(self.accepted_at) <= self.accept_due


class Attachment(models.Model):
    """附件: a file under MEDIA_ROOT, served only through a view that checks permission."""

    class Purpose(models.TextChoices):
        SUGGESTION = "suggestion", _("Suggestion")
        REPLY = "reply", _("Reply letter")
        EVENT = "event", _("Timeline")

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="attachments")
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="suggestions/%Y/%m/")
    name = models.CharField(_("file name"), max_length=150)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """办理中与代表的沟通: date, way and summary."""

    class Way(models.TextChoices):
        VISIT = "visit", _("Face to face")
        PHONE = "phone", _("Telephone call")
        MEETING = "meeting", _("Meeting")
        SITE = "site", _("On-site inspection")
        LETTER = "letter", _("In writing")

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="contacts")
    unit = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    way = models.CharField(_("way"), max_length=10, choices=Way.choices)
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("contact with the deputy")
        verbose_name_plural = _("contacts with the deputy")

    def __str__(self) -> str:
        return f"{self.date} {self.get_way_display()}"


class ExtensionRequest(models.Model):
    """延期申请: asked by the lead unit, decided by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="extensions")
    months = models.PositiveSmallIntegerField(
        _("months"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"+{self.months} ({self.get_status_display()})"


class SealPosition(models.TextChoices):
    """Where the unit's seal (印章) goes on the printed letter (GB/T 9704: 端正、居中下压署名和日期)."""

    OVER_SIGNATURE = "signature", _("Over the unit's name and the date")
    OVER_DATE = "date", _("Over the date")
    NONE = "none", _("No seal (electronic reply)")


class Reply(models.Model):
    """答复: the lead unit's reply letter in one round.

    ``text`` is the letter's body only (正文): the salutation (XX代表：), the opening, the closing and
    the signature block are fixed parts the letter adds around it once (:mod:`.letters`). A formal
    letter also names its 联系人, 联系电话, 签发人 and where the unit's seal goes.
    """

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="replies")
    round = models.PositiveSmallIntegerField(_("round"))
    unit = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    reply_class = models.CharField(_("class"), max_length=1, choices=ReplyClass.choices)
    text = models.TextField(_("reply text"))
    file = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField(_("replied at"))
    due = models.DateField(_("due"), null=True, blank=True)
    in_time = models.BooleanField(_("replied in time"), default=True)
    # The formal letter's parts (blank on replies filed before they were asked for).
    contact_person = models.CharField(_("contact person"), max_length=30, blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=20, blank=True)
    signer = models.CharField(_("signed off by"), max_length=30, blank=True)
    seal_position = models.CharField(
        _("seal"), max_length=10, choices=SealPosition.choices, default=SealPosition.OVER_SIGNATURE
    )

    class Meta:
        ordering = ["round", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.suggestion_id}#{self.round} {self.reply_class}"


class Evaluation(models.Model):
    """评价: the lead deputy's judgement of one reply."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="evaluations")
    reply = models.OneToOneField(Reply, on_delete=models.CASCADE, related_name="evaluation")
    result = models.CharField(_("result"), max_length=12, choices=Satisfaction.choices)
    attitude = models.PositiveSmallIntegerField(
        _("attitude"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["rated_at", "id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.get_result_display()} {self.attitude}/5"


class Commitment(models.Model):
    """承诺事项: what a B or C reply promised, tracked until fulfilled (also after closure)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="commitments")
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="commitments")
    text = models.CharField(_("commitment"), max_length=300)
    due_on = models.DateField(_("due on"))
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    fulfilment_note = models.CharField(_("fulfilment note"), max_length=500, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return self.text


class Chase(models.Model):
    """催办: staff chase a unit; each chase is logged."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="chases")
    unit = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("chase")
        verbose_name_plural = _("chases")

    def __str__(self) -> str:
        return self.note[:50]


EVENT_LABELS = {
    "create": _("Draft written"),
    "update": _("Draft revised"),
    "cosign": _("Co-signed"),
    "submit": _("Suggestion submitted"),
    "withdraw": _("Withdrawn by the deputy"),
    "return": _("Returned for revision"),
    "convert": _("Handled as an opinion"),
    "register": _("Registered"),
    "merge": _("Merged"),
    "absorb": _("Duplicate merged in"),
    "assign": _("Assigned"),
    "accept": _("Assignment accepted"),
    "request_release": _("Unit asks to be replaced"),
    "reassign": _("Unit replaced"),
    "opinion": _("Co-handling opinion sent"),
    "waive_opinion": _("Proceeding without a co-handling opinion"),
    "contact": _("Contact with the deputy"),
    "request_extension": _("Extension requested"),
    "decide_extension": _("Extension decided"),
    "reply": _("Replied"),
    "rate": _("Rated by the deputy"),
    "fulfil": _("Commitment fulfilled"),
    "mark_key": _("Marked as a key suggestion"),
    "chase": _("Chased"),
    "publish": _("Result published"),
    "unpublish": _("Withdrawn from the public page"),
    "recompute": _("Deadline recomputed"),
}


class Event(WorkflowEvent):
    """办理过程: one append-only timeline row per transition or act (the kernel's event base)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="events")
    # The base's state columns, with the suggestion's states as choices (the timeline shows labels).
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices, blank=True)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))
