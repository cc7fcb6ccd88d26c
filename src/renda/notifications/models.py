"""消息中心: one notice of a kind to one user (the in-app inbox); its deliveries by other channels."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.core.words import render

TEXT_MAX = 300


class Notification(models.Model):
    """站内通知: an event of a kind (``suggestion.assigned``) addressed to one user, with its text,
    the page it leads to and the object it is about. Read when ``read_at`` is set."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=60)
    # The Chinese text (the official wording: search, export, messages) and, for notices written
    # since issue 15.9, the words it was rendered from, which the pages render in the reader's language.
    text = models.CharField(_("text"), max_length=300)
    words = models.JSONField(_("words"), null=True, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    object_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Same key, kind and recipient within the window: one notice (a daily reminder, once a day).
    dedup_key = models.CharField(max_length=120, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notice_inbox"),
            models.Index(fields=["recipient", "read_at"], name="notice_unread"),
            models.Index(fields=["recipient", "kind", "-created_at"], name="notice_inbox_kind"),
            models.Index(fields=["recipient", "read_at", "-created_at", "-id"], name="notice_inbox_state"),
            models.Index(fields=["kind", "dedup_key", "created_at"], name="notice_dedup"),
            models.Index(fields=["object_type", "object_id"], name="notice_object"),
        ]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def kind_label(self) -> str:
        from renda.notifications.kinds import kind_label

        return kind_label(self.kind)

    @property
    def shown_text(self) -> str:
        """The text in the reader's (active) language: its words rendered, or (a notice written before
        the words were kept) the text as it was written."""
        if self.words:
            return render(self.words)[:TEXT_MAX]
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """投递: one notice sent to its recipient by one outside channel (WeChat, SMS, e-mail), its
    attempts and the gateway's answer. A permanent failure falls back to the next channel.

    A text to a phone number without an account (a citizen's tracking code, :func:`notify_phone`)
    has no notice and no recipient: its own ``text``, the number in ``address`` while it is needed
    (queued or awaiting its receipt; erased once delivered or failed) and its hash for the per-number
    rate limit."""

    class Channel(models.TextChoices):
        WECHAT = "wechat", _("WeChat")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # 排队中 (also: waiting for a retry, the quiet hours, the digest)
        SENT = "sent", _("Sent")  # 已发送: the gateway took it
        DELIVERED = "delivered", _("Delivered")  # 已送达: the gateway's receipt
        FAILED = "failed", _("Failed")  # 失败: for good, with the reason

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries",
        null=True, blank=True,
    )  # fmt: skip
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The address it went to, masked (138****5678, z***@example.cn): the log never holds it in clear.
    address_masked = models.CharField(_("address"), max_length=120, blank=True)
    # Only for a text to a number without an account: the number in clear until the final state.
    address = models.CharField(max_length=40, blank=True)
    address_hash = models.CharField(max_length=64, blank=True)  # the number's (or openid's) hash
    text = models.CharField(_("text"), max_length=300, blank=True)  # a text without a notice
    object_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    digest = models.BooleanField(_("in the daily digest"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    gateway_code = models.CharField(_("gateway code"), max_length=40, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=80, blank=True)
    fallback_of = models.ForeignKey(
        "self", verbose_name=_("falls back from"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="fallbacks",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["channel", "sent_at"], name="delivery_rate"),
            models.Index(fields=["recipient", "kind", "created_at"], name="delivery_dedup"),
            models.Index(fields=["-created_at", "-id"], name="delivery_log"),
            models.Index(fields=["address_hash", "created_at"], name="delivery_address"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address_masked or self.recipient_id}: {self.status}"

    @property
    def kind_label(self) -> str:
        from renda.notifications.kinds import kind_label

        return kind_label(self.kind)

    def forget_address(self) -> None:
        """Delivered or failed: a text without an account keeps neither the number nor its text
        (a tracking code and the number's last digits would open the opinion)."""
        if self.recipient_id is None:
            self.address, self.text = "", ""

    @property
    def message_text(self) -> str:
        """The text sent: the official (Chinese) wording — a recipient has no language of their own."""
        return self.notification.text if self.notification is not None else self.text

    @property
    def shown_text(self) -> str:
        """The text in the reader's language (the delivery log)."""
        return self.notification.shown_text if self.notification is not None else self.text

    @property
    def recipient_label(self) -> str:
        """The recipient's name, or the masked number of a text to someone without an account."""
        if self.recipient is not None:
            return self.recipient.display_name
        return self.address_masked


class Preference(models.Model):
    """通知设置: a person's channels for one kind of notice (``kind=""``: every kind they did not set
    one by one), and whether its e-mails wait for the daily digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    channels = models.JSONField(_("channels"), default=list)
    digest = models.BooleanField(_("daily digest"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind or '*'}: {','.join(self.channels)}"


class RoleDefault(models.Model):
    """The administrator's default channels of one kind for everyone of one role."""

    role = models.CharField(_("role"), max_length=20)
    kind = models.CharField(_("kind"), max_length=60)
    channels = models.JSONField(_("channels"), default=list)

    class Meta:
        verbose_name = _("default channels of a role")
        verbose_name_plural = _("default channels of roles")
        constraints = [models.UniqueConstraint(fields=["role", "kind"], name="notice_role_default_once")]

    def __str__(self) -> str:
        return f"{self.role} {self.kind}: {','.join(self.channels)}"


class RecipientSettings(models.Model):
    """A person's own settings for messages: quiet hours, their WeChat binding, the verified phone.

    The phone is used for SMS only while it is the one verified: a hash of the verified number is kept
    (not the number), so a changed phone is unverified at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_settings"
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)
    wechat_bound_at = models.DateTimeField(_("WeChat bound"), null=True, blank=True)
    phone_verified_hash = models.CharField(max_length=64, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("message settings")
        verbose_name_plural = _("message settings")

    def __str__(self) -> str:
        return f"settings of {self.user_id}"


class NotifyFailure(models.Model):
    """通知失败: a :func:`notify` whose notices (or whose messages) could not be written after the
    commit — kept so the administrators see it in the delivery log and can try it again."""

    class Stage(models.TextChoices):
        NOTICES = "notices", _("Notices")  # nothing was written
        MESSAGES = "messages", _("Messages")  # the notices are written; their messages are not
        PHONE = "phone", _("Text to a number")  # a text to someone without an account

    kind = models.CharField(_("kind"), max_length=60)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    object_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    error_class = models.CharField(_("error"), max_length=120)
    error_message = models.CharField(_("error message"), max_length=500, blank=True)
    # What a retry needs: the recipients' ids, the text, link and flags (never a phone number).
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    retried_at = models.DateTimeField(_("retried"), null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retry_error = models.CharField(_("retry error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("failed notification")
        verbose_name_plural = _("failed notifications")

    def __str__(self) -> str:
        return f"{self.kind}: {self.error_class}"

    @property
    def kind_label(self) -> str:
        from renda.notifications.kinds import kind_label

        return kind_label(self.kind)

    @property
    def object_label(self) -> str:
        """What it was about: the object's type and name (or its type alone, once it is gone)."""
        if self.object_type_id is None or self.object_id is None:
            return ""
        model = self.object_type.model_class() if self.object_type else None
        if model is None:
            return ""
        found = model._default_manager.filter(pk=self.object_id).first()
        label = str(model._meta.verbose_name)
        return f"{label} {found}" if found is not None else label

    @property
    def can_retry(self) -> bool:
        return self.retried_at is None and self.stage != self.Stage.PHONE and bool(self.payload)
