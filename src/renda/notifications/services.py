"""消息中心 services: :func:`notify` (what every module calls) and marking notices read.

``notify`` writes nothing in the caller's transaction: it registers its work with
``transaction.on_commit``, so a rolled-back request notifies no one, and whatever goes wrong while
notifying is logged and never reaches the request that triggered it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from renda.accounts.models import User
from renda.core.audit import audit
from renda.core.permissions import require, service
from renda.notifications.kinds import kind_of
from renda.notifications.models import Notification
from renda.notifications.params import param

logger = logging.getLogger("renda.notifications")

TEXT_MAX = 300
LINK_MAX = 300


def _recipient_ids(recipients: Iterable[Any]) -> list[int]:
    ids: dict[int, None] = {}
    for r in recipients:
        pk = r if isinstance(r, int) else getattr(r, "pk", None)
        if isinstance(pk, int):
            ids[pk] = None
    return list(ids)


def _object_ref(obj: models.Model | None) -> tuple[int | None, int | None]:
    if obj is None or not isinstance(obj.pk, int):
        return None, None
    return ContentType.objects.get_for_model(obj).pk, obj.pk


def notify(
    *,
    kind: str,
    recipients: Iterable[Any],
    text: str,
    link: str,
    obj: models.Model | None = None,
    urgent: bool = False,
    dedup_key: str | None = None,
) -> None:
    """通知: tell ``recipients`` (users or their ids) of an event of ``kind`` once the caller's
    transaction commits — an in-app notice each, and the deliveries by their other channels.

    ``text`` is the short message (cut to 300 characters), ``link`` the page it leads to, ``obj`` the
    object it is about. A ``dedup_key`` (or a kind declared ``dedup``) makes the same kind with the
    same key (by default: the object) reach a recipient once within ``DEDUP_WINDOW_HOURS``.
    Never raises: a failure is logged with its reason.
    """
    try:
        ids = _recipient_ids(recipients)
        if not ids:
            return
        object_type_id, object_id = _object_ref(obj)
        declared = kind_of(kind)
        key = dedup_key or ""
        if not key and declared.dedup and object_id is not None:
            key = f"{object_type_id}:{object_id}"
        job = _NotifyJob(
            kind=kind[:60],
            recipient_ids=ids,
            text=str(text)[:TEXT_MAX],
            link=str(link)[:LINK_MAX],
            object_type_id=object_type_id,
            object_id=object_id,
            urgent=urgent or declared.urgent,
            dedup_key=key[:120],
        )
    except Exception:  # noqa: BLE001 - a notice never breaks the work it reports
        logger.exception("notify(kind=%s): could not prepare the notice", kind)
        return
    transaction.on_commit(job.run, robust=True)


class _NotifyJob:
    """The work of one :func:`notify` call, run after the caller's commit."""

    def __init__(
        self,
        *,
        kind: str,
        recipient_ids: list[int],
        text: str,
        link: str,
        object_type_id: int | None,
        object_id: int | None,
        urgent: bool,
        dedup_key: str,
    ) -> None:
        self.kind, self.recipient_ids, self.text, self.link = kind, recipient_ids, text, link
        self.object_type_id, self.object_id = object_type_id, object_id
        self.urgent, self.dedup_key = urgent, dedup_key

    def run(self) -> list[Notification]:
        try:
            with transaction.atomic():
                return self._write()
        except Exception:  # noqa: BLE001 - logged with its reason, never raised into the request
            logger.exception("notify(kind=%s) failed for %d recipients", self.kind, len(self.recipient_ids))
            return []

    def _write(self) -> list[Notification]:
        ids = list(
            User.objects.filter(pk__in=self.recipient_ids, is_active=True).values_list("pk", flat=True)
        )
        if self.dedup_key and ids:
            since = timezone.now() - dt.timedelta(hours=float(param("DEDUP_WINDOW_HOURS")))
            already = set(
                Notification.objects.filter(
                    recipient_id__in=ids, kind=self.kind, dedup_key=self.dedup_key, created_at__gte=since
                ).values_list("recipient_id", flat=True)
            )
            ids = [pk for pk in ids if pk not in already]
        if not ids:
            return []
        notices = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    kind=self.kind,
                    text=self.text,
                    link=self.link,
                    object_type_id=self.object_type_id,
                    object_id=self.object_id,
                    dedup_key=self.dedup_key,
                    urgent=self.urgent,
                )
                for pk in ids
            ]
        )
        for hook in AFTER_NOTICES:
            hook(notices)
        return notices


# Called with the notices just written (the channels' deliveries hang here).
AFTER_NOTICES: list[Any] = []


@service
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """已读: mark one of one's own notices read (opening it does too)."""
    require(actor, "notifications.mark_read", notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        audit(actor, "notifications.mark_read", notification)
    return notification


@service
def notifications_mark_all_read(*, actor: User, kind: str = "") -> int:
    """全部已读: mark all one's unread notices read (of one kind when given)."""
    require(actor, "notifications.view_inbox")
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    count = unread.update(read_at=timezone.now())
    audit(actor, "notifications.mark_all_read", None, note=f"count={count}")
    return count
