"""消息中心 reads: the actor's own notices only."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Q, QuerySet
from django.utils import timezone

from renda.accounts.models import User
from renda.core.permissions import require
from renda.notifications.kinds import all_kinds
from renda.notifications.models import Delivery, Notification, NotifyFailure
from renda.notifications.params import param

MOBILE = re.compile(r"^1[3-9]\d{9}$")


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
    """(kind, label) of every declared kind, for the filter (no query: the registry's list)."""
    return sorted(((k.name, str(k.label)) for k in all_kinds() if not k.to_phone), key=lambda pair: pair[1])


def own_notice(*, actor: User, pk: int) -> Notification | None:
    """One of the actor's own notices (``None`` for anyone else's: it does not exist for them)."""
    return Notification.objects.filter(recipient=actor, pk=pk).first()


def notified_recently(*, kind: str, obj: Model, dedup_key: str | None = None) -> bool:
    """Whether a notice of ``kind`` about ``obj`` (or with ``dedup_key``) went out within the dedup
    window: a daily reminder asks before it counts itself as sent."""
    key = dedup_key or f"{ContentType.objects.get_for_model(obj).pk}:{obj.pk}"
    since = timezone.now() - dt.timedelta(hours=float(param("DEDUP_WINDOW_HOURS")))
    return Notification.objects.filter(kind=kind, dedup_key=key, created_at__gte=since).exists()


@dataclass(frozen=True)
class DeliveryFilter:
    channel: str = ""
    status: str = ""
    kind: str = ""
    q: str = ""  # the recipient's name or login
    since: dt.date | None = None
    until: dt.date | None = None


def deliveries_visible_to(*, actor: User, filters: DeliveryFilter | None = None) -> QuerySet[Delivery]:
    """投递记录: every delivery, newest first, for the administrators only."""
    require(actor, "notifications.view_deliveries")
    filters = filters or DeliveryFilter()
    rows = Delivery.objects.select_related("recipient", "notification")
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.q:
        rows = rows.filter(
            Q(recipient__real_name__icontains=filters.q) | Q(recipient__username__icontains=filters.q)
        )
    if filters.since:
        rows = rows.filter(created_at__date__gte=filters.since)
    if filters.until:
        rows = rows.filter(created_at__date__lte=filters.until)
    return rows.order_by("-created_at", "-id")


def delivery_counts(*, actor: User) -> dict[str, int]:
    require(actor, "notifications.view_deliveries")
    return {row["status"]: row["n"] for row in Delivery.objects.values("status").annotate(n=Count("id"))}


def failures_visible_to(*, actor: User, open_only: bool = False) -> QuerySet[NotifyFailure]:
    """通知失败: the notifications that could not be written, newest first (administrators)."""
    require(actor, "notifications.view_deliveries")
    rows = NotifyFailure.objects.select_related("retried_by", "object_type")
    if open_only:
        rows = rows.filter(retried_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def failure_visible_to(*, actor: User, pk: int) -> NotifyFailure | None:
    require(actor, "notifications.view_deliveries")
    return NotifyFailure.objects.filter(pk=pk).first()


def mobile_number(phone: str) -> str:
    """A mainland mobile number as the gateway takes it (spaces, dashes and +86 dropped), or ''."""
    number = re.sub(r"[\s-]", "", str(phone or ""))
    if number.startswith("+86"):
        number = number[3:]
    return number if MOBILE.match(number) else ""


def texts_to_number_within_hour(number: str) -> int:
    """Texts queued within the last hour to ``number`` for someone without an account."""
    from renda.notifications.delivery import phone_hash

    since = timezone.now() - dt.timedelta(hours=1)
    return Delivery.objects.filter(
        address_hash=phone_hash(number), recipient__isnull=True, created_at__gte=since
    ).count()


def number_may_be_texted(phone: str) -> bool:
    """Whether one more text to ``phone`` (a citizen's tracking code) is within the hourly limit
    (``PHONE_TEXTS_PER_HOUR``): the confirmation page promises a text only then."""
    number = mobile_number(phone)
    return bool(number) and texts_to_number_within_hour(number) < int(param("PHONE_TEXTS_PER_HOUR"))
