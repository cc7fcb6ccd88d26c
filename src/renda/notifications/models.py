"""消息中心: one notice of a kind to one user (the in-app inbox); its deliveries by other channels."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    text = models.CharField(_("text"), max_length=300)
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
    def is_read(self) -> bool:
        return self.read_at is not None

