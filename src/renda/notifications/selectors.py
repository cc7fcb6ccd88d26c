"""消息中心 reads: the actor's own notices only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.utils import timezone

from renda.accounts.models import User
from renda.core.permissions import require
from renda.notifications.kinds import kind_label
from renda.notifications.models import Notification
from renda.notifications.params import param


@dataclass(frozen=True)
class InboxFilter:
    kind: str = ""
    state: str = ""  # "" | "unread" | "read"


def inbox_for(*, actor: User, filters: InboxFilter | None = None) -> QuerySet[Notification]:
    """The actor's own notices, newest first, filtered by kind and read state."""
    require(actor, "notifications.view_inbox")
    filters = filters or InboxFilter()
    rows = Notification.objects.filter(recipient=actor)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.state == "unread":
        rows = rows.filter(read_at__isnull=True)
    elif filters.state == "read":
        rows = rows.filter(read_at__isnull=False)
    return rows.order_by("-created_at", "-id")


def unread_count(*, actor: User) -> int:
    """The number on the bell."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def latest_unread(*, actor: User, limit: int = 5) -> list[Notification]:
    """The newest unread notices (the workbench's panel)."""
    return list(
        Notification.objects.filter(recipient=actor, read_at__isnull=True).order_by("-created_at", "-id")[
            :limit
        ]
    )


def kinds_in_inbox(*, actor: User) -> list[tuple[str, str]]:
    """(kind, label) of the kinds the actor has notices of, for the filter."""
    names = Notification.objects.filter(recipient=actor).order_by().values_list("kind", flat=True).distinct()
    return sorted(((name, kind_label(name)) for name in names), key=lambda pair: pair[1])


def own_notice(*, actor: User, pk: int) -> Notification | None:
    """One of the actor's own notices (``None`` for anyone else's: it does not exist for them)."""
    return Notification.objects.filter(recipient=actor, pk=pk).first()


def notified_recently(*, kind: str, obj: Model, dedup_key: str | None = None) -> bool:
    """Whether a notice of ``kind`` about ``obj`` (or with ``dedup_key``) went out within the dedup
    window: a daily reminder asks before it counts itself as sent."""
    key = dedup_key or f"{ContentType.objects.get_for_model(obj).pk}:{obj.pk}"
    since = timezone.now() - dt.timedelta(hours=float(param("DEDUP_WINDOW_HOURS")))
    return Notification.objects.filter(kind=kind, dedup_key=key, created_at__gte=since).exists()
