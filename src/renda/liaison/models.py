"""网上家站: the deputy home (代表之家) and the liaison stations (代表联络站)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Organisation, Region
from renda.core.categories import Topic
from renda.core.masking import mask_phone
from renda.core.workflow import WorkflowEvent
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
    directions = models.TextField(
        _("how to get there"), blank=True, help_text=_("Buses, landmarks, parking; shown on the public page.")
    )
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)

    class Meta:
        ordering = ["region__code", "code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self) -> str:
        return self.name


# --- reception days and appointments (接待日与预约) ------------------------------------------


class ReceptionDay(models.Model):
    """接待日: a day (and hours) when deputies on duty receive citizens at a station."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="reception_days"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    place = models.CharField(_("place"), max_length=200)
    deputies = models.ManyToManyField(
        Deputy, verbose_name=_("deputies on duty"), related_name="reception_days"
    )
    capacity = models.PositiveSmallIntegerField(_("appointment slots"), default=10)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("scheduled at"), auto_now_add=True)

    class Meta:
        ordering = ["date", "start_time", "station__code"]
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")
        indexes = [models.Index(fields=["date", "status"])]

    def __str__(self) -> str:
        return f"{self.station} {self.date:%Y-%m-%d}"


class Appointment(models.Model):
    """预约接待: a citizen's request to be received on a reception day."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Declined")
        RECEIVED = "received", _("Received")
        NO_SHOW = "no_show", _("Did not come")

    code = models.CharField(_("tracking code"), max_length=20, unique=True)
    reception_day = models.ForeignKey(
        ReceptionDay, verbose_name=_("reception day"), on_delete=models.PROTECT, related_name="appointments"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=20)
    topic = models.CharField(_("matter raised"), max_length=200)
    # The citizen asked for the tracking code by text message too (sent through the notification
    # service; until it is connected the wish is kept here and the page says so).
    code_by_sms = models.BooleanField(_("tracking code by SMS"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    confirmed_time = models.TimeField(_("time of reception"), null=True, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=200, blank=True)
    opinion = models.OneToOneField(
        "Opinion",
        verbose_name=_("opinion recorded"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment",
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["reception_day__date", "confirmed_time", "created_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.code_display} {self.reception_day}"

    @property
    def code_display(self) -> str:
        return format_code(self.code)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class _EventLabels:
    """The history's labels of an event's states (an opinion's events carry its handling states and,
    for moderation, its publication states: the two sets of values do not overlap)."""

    _states: tuple[type[models.TextChoices], ...]
    from_state: str
    to_state: str

    def _label(self, value: str) -> str | None:
        for states in self._states:
            if value in states.values:
                return str(states(value).label)
        return None

    @property
    def from_label(self) -> str:
        return self._label(self.from_state) or "—"

    @property
    def to_label(self) -> str:
        return self._label(self.to_state) or self.to_state


class AppointmentEvent(_EventLabels, WorkflowEvent):
    """One step of an appointment's workflow (append-only, see :class:`WorkflowEvent`)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")

    class Meta(WorkflowEvent.Meta):
        pass


# --- citizens' opinions (群众意见建议) ----------------------------------------------------------


#: An opinion's category: the platform's one list of subjects, shared with deputies' suggestions.
Category = Topic


class Opinion(models.Model):
    """群众意见建议: what a citizen wrote to a station or a deputy, and how it was handled."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        REFERRED = "referred", _("Referred to a department")
        PROCESSING = "processing", _("Being handled")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Not accepted")
        MERGED = "merged", _("Merged")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        UNSATISFIED = "unsatisfied", _("Not satisfied")

    class Publication(models.TextChoices):
        NONE = "none", _("Not to be published")
        QUEUED = "queued", _("Awaiting moderation")
        PUBLISHED = "published", _("Published")
        WITHHELD = "withheld", _("Withheld")

    class Source(models.TextChoices):
        ONLINE = "online", _("Online form")
        RECEPTION = "reception", _("Reception day")
        API = "api", _("API")

    code = models.CharField(_("tracking code"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ONLINE)
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="opinions"
    )
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=_("deputy addressed"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaison_opinions",
    )
    town = models.ForeignKey(Region, verbose_name=_("town"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("topic"), max_length=20, choices=Category.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20)
    code_by_sms = models.BooleanField(_("tracking code by SMS"), default=False)
    content = models.TextField(_("content"))
    consent_publish = models.BooleanField(_("may be published"), default=False)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    is_complex = models.BooleanField(_("complex"), default=False)
    submitted_on = models.DateField(_("submitted on"))
    deadline = models.DateField(_("answer due"), null=True, blank=True)
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaison_opinions",
    )
    answered_by_deputy = models.BooleanField(_("answered by the deputy directly"), default=False)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_on_time = models.BooleanField(_("answered in time"), null=True, blank=True)
    working_days_to_answer = models.PositiveSmallIntegerField(
        _("working days to answer"), null=True, blank=True
    )
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # 不满意: the citizen's reason, and the round the opinion is in (2 after it was sent back); the
    # new round's deadline counts working days from ``round_started_on``.
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    round_started_on = models.DateField(_("round started on"), null=True, blank=True)
    dissatisfied_at = models.DateTimeField(_("found unsatisfactory at"), null=True, blank=True, db_index=True)
    dissatisfied_reason = models.CharField(_("why not satisfied"), max_length=500, blank=True)
    previous_answer = models.TextField(_("earlier answer"), blank=True)
    reject_reason = models.CharField(_("reason"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    publication = models.CharField(
        _("publication"), max_length=10, choices=Publication.choices, default=Publication.NONE
    )
    public_content = models.TextField(_("published text"), blank=True)
    public_answer = models.TextField(_("published answer"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("citizen's opinion")
        verbose_name_plural = _("citizens' opinions")
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["publication", "published_at"]),
        ]

    def __str__(self) -> str:
        return self.code_display

    @property
    def code_display(self) -> str:
        return format_code(self.code)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.deadline and self.deadline < timezone.localdate())


OPEN_STATES = (
    Opinion.State.PENDING,
    Opinion.State.ACCEPTED,
    Opinion.State.REFERRED,
    Opinion.State.PROCESSING,
)


def _attachment_path(instance: OpinionAttachment, filename: str) -> str:
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"liaison/{uuid.uuid4().hex}.{ext}"


class OpinionAttachment(models.Model):
    """附件: an image or PDF the citizen sent with the opinion (type and size checked)."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class OpinionEvent(_EventLabels, WorkflowEvent):
    """One step of an opinion's handling or moderation (append-only): who, when, from, to, note."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="events")

    class Meta(WorkflowEvent.Meta):
        pass


# An unambiguous alphabet (no 0/O, 1/I/L): 14 characters carry 70 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 14


def new_code() -> str:
    import secrets

    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


AppointmentEvent._states = (Appointment.State,)
OpinionEvent._states = (Opinion.State, Opinion.Publication)
