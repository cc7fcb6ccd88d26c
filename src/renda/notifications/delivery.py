"""投递: the messages a notice sends beyond the inbox — planned when the notice is written, sent by
the task worker with retries, backoff, fallback (WeChat → SMS → e-mail), quiet hours, per-gateway
rate limits and the daily digest.

Which channels: the recipient's own choice for the kind (or for every kind), else the administrator's
default for the recipient's role, else the kind's declared channels. The outside channels a
recipient has form a chain in the order WeChat, SMS, e-mail: the first is tried; a permanent failure
(or the last retry) falls back to the next one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from renda.accounts.models import User
from renda.core.masking import mask_personal, mask_phone
from renda.notifications.gateways import Message, Permanent, Transient, gateway_for
from renda.notifications.kinds import EMAIL, OUTSIDE_CHANNELS, SMS, WECHAT, kind_label, kind_of
from renda.notifications.models import Delivery, Notification, Preference, RecipientSettings, RoleDefault
from renda.notifications.params import param

logger = logging.getLogger("renda.notifications")

QUIET_CHANNELS = (SMS, WECHAT)
LEASE = dt.timedelta(minutes=5)  # a worker that claimed a delivery holds it this long
# Deliveries claimed and recorded together: a worker killed mid-chunk leaves at most this many sent
# but not recorded (sent again once the lease runs out).
CHUNK = 50


def phone_hash(phone: str) -> str:
    return hashlib.sha256(("renda-phone:" + phone.strip()).encode()).hexdigest()


def openid_hash(openid: str) -> str:
    """The hash a WeChat delivery keeps of its openid (the receipt names the openid, not our id)."""
    return hashlib.sha256(("renda-openid:" + openid.strip()).encode()).hexdigest()


def _clock(value: Any, fallback: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        hours, minutes = str(value or fallback).split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        hours, minutes = fallback.split(":")
        return dt.time(int(hours), int(minutes))


def quiet_until(now: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime | None:
    """The end of the quiet hours ``start``–``end`` (local time) if ``now`` falls in them, else None."""
    local = timezone.localtime(now)
    t = local.time()
    if start == end:
        return None
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end))


def _quiet_hours(settings_row: RecipientSettings | None) -> tuple[dt.time, dt.time]:
    start = settings_row.quiet_start if settings_row and settings_row.quiet_start else None
    end = settings_row.quiet_end if settings_row and settings_row.quiet_end else None
    return _clock(start, str(param("QUIET_START"))), _clock(end, str(param("QUIET_END")))


def next_digest_time(now: dt.datetime) -> dt.datetime:
    at = _clock(param("DIGEST_AT"), "07:30")
    local = timezone.localtime(now)
    day = local.date() if local.time() < at else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, at))


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 60 s, 120 s … (doubling, at most ``RETRY_MAX_SECONDS``)."""
    seconds = float(param("RETRY_BASE_SECONDS")) * (2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=min(seconds, float(param("RETRY_MAX_SECONDS"))))


# --- which channels -------------------------------------------------------------------------------


@dataclass
class Choice:
    channels: list[str]
    digest: bool = False


class ChannelChooser:
    """The channels of a kind for many recipients at once (three queries whatever their number)."""

    def __init__(self, users: Sequence[User]) -> None:
        ids = [u.pk for u in users]
        self.preferences: dict[tuple[int, str], Preference] = {
            (p.user_id, p.kind): p for p in Preference.objects.filter(user_id__in=ids)
        }
        roles = {u.role for u in users}
        self.defaults: dict[tuple[str, str], list[str]] = {
            (d.role, d.kind): list(d.channels) for d in RoleDefault.objects.filter(role__in=roles)
        }

    def choice(self, user: User, kind: str) -> Choice:
        own = self.preferences.get((user.pk, kind)) or self.preferences.get((user.pk, ""))
        if own is not None:
            return Choice(list(own.channels), own.digest)
        if (user.role, kind) in self.defaults:
            return Choice(self.defaults[(user.role, kind)])
        return Choice(list(kind_of(kind).channels))


def outside_chain(channels: Iterable[str]) -> list[str]:
    chosen = set(channels)
    return [c for c in OUTSIDE_CHANNELS if c in chosen]


# --- planning (when the notice is written) ----------------------------------------------------------


def plan_deliveries(notices: Sequence[Notification], *, now: dt.datetime | None = None) -> list[Delivery]:
    """The deliveries of notices just written: one per notice for the first outside channel of its
    recipient's chain, due now, after the quiet hours, or at the digest's time; none for a message of
    the same kind about the same object that reached the recipient within the dedup window."""
    if not notices:
        return []
    now = now or timezone.now()
    users = {u.pk: u for u in User.objects.filter(pk__in={n.recipient_id for n in notices})}
    chooser = ChannelChooser(list(users.values()))
    quiet = {s.user_id: s for s in RecipientSettings.objects.filter(user_id__in=list(users))}
    recent = _recently_messaged(notices, now)
    planned = []
    for notice in notices:
        user = users.get(notice.recipient_id)
        if (
            user is None
            or (notice.recipient_id, notice.kind, notice.object_type_id, notice.object_id) in recent
        ):
            continue
        choice = chooser.choice(user, notice.kind)
        chain = outside_chain(choice.channels)
        if not chain:
            continue
        if choice.digest and EMAIL in chain:
            planned.append(_delivery(notice, EMAIL, next_digest_time(now), digest=True))
            continue
        # The first channel the recipient can be reached by (an unbound WeChat, an unverified phone
        # are passed over); with none, the first — its delivery records why it failed.
        reachable = [c for c in chain if _reachable(user, quiet.get(user.pk), c)]
        channel = (reachable or chain)[0]
        due = now
        if channel in QUIET_CHANNELS and not notice.urgent:
            due = quiet_until(now, *_quiet_hours(quiet.get(user.pk))) or now
        planned.append(_delivery(notice, channel, due))
    return Delivery.objects.bulk_create(planned, batch_size=500)


def _reachable(user: User, settings_row: RecipientSettings | None, channel: str) -> bool:
    if channel == WECHAT:
        return bool(settings_row and settings_row.wechat_openid)
    if channel == SMS:
        phone = (user.phone or "").strip()
        return bool(phone and settings_row and settings_row.phone_verified_hash == phone_hash(phone))
    return bool((user.email or "").strip())


def _delivery(notice: Notification, channel: str, due: dt.datetime, *, digest: bool = False) -> Delivery:
    return Delivery(
        notification=notice,
        recipient_id=notice.recipient_id,
        kind=notice.kind,
        channel=channel,
        next_attempt_at=due,
        digest=digest,
    )


def _recently_messaged(notices: Sequence[Notification], now: dt.datetime) -> set[tuple[Any, ...]]:
    """(recipient, kind, object) already sent a message within the window (same event, again)."""
    with_object = [n for n in notices if n.object_id is not None]
    if not with_object:
        return set()
    since = now - dt.timedelta(minutes=float(param("MESSAGE_DEDUP_MINUTES")))
    fresh_ids = [n.pk for n in notices]
    rows = (
        Delivery.objects.filter(
            recipient_id__in={n.recipient_id for n in with_object},
            kind__in={n.kind for n in with_object},
            created_at__gte=since,
            fallback_of__isnull=True,
        )
        .exclude(notification_id__in=fresh_ids)
        .values_list("recipient_id", "kind", "notification__object_type_id", "notification__object_id")
    )
    return set(rows)


# --- sending (the task worker) ----------------------------------------------------------------------


@dataclass
class RunReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    fell_back: int = 0
    postponed: int = 0
    next_run: dt.datetime | None = None

    def later(self, when: dt.datetime | None) -> None:
        if when is not None and (self.next_run is None or when < self.next_run):
            self.next_run = when

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if isinstance(v, int)}


class RateLimiter:
    """Messages per gateway per minute, counted in the database (so several workers share it)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.limits: dict[str, int] = dict(param("RATE_PER_MINUTE"))
        self.used: dict[str, int] = {}

    def take(self, channel: str) -> bool:
        limit = int(self.limits.get(channel, 0) or 0)
        if limit <= 0:
            return True
        if channel not in self.used:
            minute_ago = self.now - dt.timedelta(minutes=1)
            self.used[channel] = Delivery.objects.filter(channel=channel, sent_at__gte=minute_ago).count()
        if self.used[channel] >= limit:
            return False
        self.used[channel] += 1
        return True


def deliveries_send(*, ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> RunReport:
    """Send the deliveries that are due (of ``ids`` when given): each claimed, sent, recorded."""
    now = now or timezone.now()
    report = RunReport()
    due = Delivery.objects.filter(status=Delivery.Status.QUEUED, digest=False)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    later = (
        due.filter(next_attempt_at__gt=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
    )
    report.later(later.first())
    work = list(
        due.filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .select_related("notification", "recipient")
        .order_by("next_attempt_at", "id")
    )
    limiter = RateLimiter(now)
    settings_of = {
        s.user_id: s
        for s in RecipientSettings.objects.filter(
            user_id__in={d.recipient_id for d in work if d.recipient_id is not None}
        )
    }
    while work:
        chunk, work = work[:CHUNK], work[CHUNK:]
        mine = _claim(chunk, now)
        done: list[Delivery] = []
        fallbacks: list[Delivery] = []
        for delivery in chunk:
            if delivery.pk not in mine:
                continue  # another worker has it
            fallback = _send_one(delivery, now=now, limiter=limiter, report=report, settings_of=settings_of)
            done.append(delivery)
            if fallback is not None:
                fallbacks.append(fallback)
        with transaction.atomic():  # one write per chunk (SQLite syncs the disk once per commit)
            for delivery in done:
                delivery.save()
            for fallback in fallbacks:
                fallback.save()
        settings_of.update(
            (s.user_id, s)
            for s in RecipientSettings.objects.filter(user_id__in={f.recipient_id for f in fallbacks})
        )
        work.extend(fallbacks)
    return report


def _claim(chunk: Sequence[Delivery], now: dt.datetime) -> set[int]:
    """Take the chunk's deliveries for this worker: no other worker sends them while the lease runs.
    The lease's exact time tells which rows this worker got."""
    lease = timezone.now() + LEASE + dt.timedelta(microseconds=secrets.randbelow(10**6))
    ids = [d.pk for d in chunk]
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
    Delivery.objects.filter(due, pk__in=ids, status=Delivery.Status.QUEUED).update(next_attempt_at=lease)
    return set(Delivery.objects.filter(pk__in=ids, next_attempt_at=lease).values_list("pk", flat=True))


def _address(delivery: Delivery, settings_row: RecipientSettings | None) -> tuple[str, str]:
    """(address, masked) of the recipient on the delivery's channel, or Permanent with the reason."""
    if delivery.recipient_id is None:  # a text to a number without an account
        if delivery.channel == SMS and delivery.address:
            return delivery.address, mask_phone(delivery.address)
        raise Permanent("no_address", "the number is no longer kept")
    user = delivery.recipient
    assert user is not None
    if delivery.channel == SMS:
        phone = (user.phone or "").strip()
        if not phone:
            raise Permanent("no_phone", "the recipient has no mobile number")
        if settings_row is None or settings_row.phone_verified_hash != phone_hash(phone):
            raise Permanent("phone_not_verified", "the recipient's mobile number is not verified")
        return phone, mask_phone(phone)
    if delivery.channel == WECHAT:
        openid = settings_row.wechat_openid if settings_row else ""
        if not openid:
            raise Permanent("no_wechat", "the recipient has not bound WeChat")
        return openid, mask_personal(openid)
    email = (user.email or "").strip()
    if not email:
        raise Permanent("no_email", "the recipient has no e-mail address")
    return email, mask_email(email)


def mask_email(email: str) -> str:
    """z***@example.cn"""
    name, _at, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else mask_personal(email)


def _send_one(
    delivery: Delivery,
    *,
    now: dt.datetime,
    limiter: RateLimiter,
    report: RunReport,
    settings_of: dict[int, RecipientSettings],
) -> Delivery | None:
    notice = delivery.notification
    # A text to a number without an account (a code the person just asked for) ignores quiet hours.
    if delivery.channel in QUIET_CHANNELS and notice is not None and not notice.urgent:
        wait = quiet_until(now, *_quiet_hours(settings_of.get(notice.recipient_id)))
        if wait is not None:  # a retry that fell into the quiet hours waits for their end
            delivery.next_attempt_at = wait
            report.postponed += 1
            report.later(wait)
            return None
    if not limiter.take(delivery.channel):
        wait = now + dt.timedelta(seconds=60)
        delivery.next_attempt_at = wait
        report.postponed += 1
        report.later(wait)
        return None
    delivery.attempts += 1
    try:
        address, delivery.address_masked = _address(
            delivery, settings_of.get(delivery.recipient_id) if delivery.recipient_id else None
        )
        if delivery.channel == WECHAT:
            delivery.address_hash = openid_hash(address)
        message = Message(
            address=address,
            kind=delivery.kind,
            kind_label=kind_label(delivery.kind),
            text=delivery.message_text,
            link=notice.link if notice is not None else "",
            created_at=notice.created_at if notice is not None else (delivery.created_at or now),
            reference=f"renda-{delivery.pk}",
        )
        sent = gateway_for(delivery.channel).send(message)
    except Transient as fault:
        delivery.gateway_code, delivery.reason = fault.code, fault.reason
        if delivery.attempts < int(param("MAX_ATTEMPTS")):
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            report.retried += 1
            report.later(delivery.next_attempt_at)
            return None
        return _fail(delivery, report, now)
    except Permanent as fault:
        delivery.gateway_code, delivery.reason = fault.code, fault.reason
        return _fail(delivery, report, now)
    except Exception as fault:  # noqa: BLE001 - a backend's bug is recorded like a gateway's fault
        logger.exception("delivery %s: the %s gateway failed", delivery.pk, delivery.channel)
        delivery.gateway_code, delivery.reason = "error", f"{type(fault).__name__}"[:300]
        if delivery.attempts < int(param("MAX_ATTEMPTS")):
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            report.retried += 1
            report.later(delivery.next_attempt_at)
            return None
        return _fail(delivery, report, now)
    delivery.status = Delivery.Status.DELIVERED if sent.delivered else Delivery.Status.SENT
    delivery.sent_at = now
    delivery.delivered_at = now if sent.delivered else None
    delivery.gateway_id, delivery.gateway_code, delivery.reason = sent.gateway_id[:80], sent.code[:40], ""
    delivery.next_attempt_at = None
    if sent.delivered or not sent.gateway_id:
        delivery.forget_address()  # no receipt to ask for: the number is not needed any more
    report.sent += 1
    return None


def _fail(delivery: Delivery, report: RunReport, now: dt.datetime) -> Delivery | None:
    """Failed for good (the caller saves it), and the next channel of the recipient's chain takes over
    (a new delivery, not yet saved)."""
    delivery.status = Delivery.Status.FAILED
    delivery.next_attempt_at = None
    delivery.forget_address()  # the number of a text without an account is kept no longer
    report.failed += 1
    if delivery.recipient_id is None:
        return None  # no account: no other channel
    user = delivery.recipient
    assert user is not None
    chain = outside_chain(ChannelChooser([user]).choice(user, delivery.kind).channels)
    tried = {delivery.channel} | set(_earlier_channels(delivery))
    following = [c for c in OUTSIDE_CHANNELS[OUTSIDE_CHANNELS.index(delivery.channel) + 1 :] if c in chain]
    following = [c for c in following if c not in tried]
    if not following:
        return None
    report.fell_back += 1
    return Delivery(
        notification=delivery.notification,
        recipient=user,
        kind=delivery.kind,
        channel=following[0],
        next_attempt_at=now,
        fallback_of=delivery,
    )


def _earlier_channels(delivery: Delivery) -> list[str]:
    channels: list[str] = []
    current = delivery
    while current.fallback_of_id is not None and len(channels) < len(OUTSIDE_CHANNELS):
        current = Delivery.objects.only("channel", "fallback_of_id").get(pk=current.fallback_of_id)
        channels.append(current.channel)
    return channels


# --- the daily digest -------------------------------------------------------------------------------


def digests_send(*, now: dt.datetime | None = None) -> int:
    """每日汇总: one e-mail per recipient listing the notices whose messages waited for it."""
    now = now or timezone.now()
    waiting = list(
        Delivery.objects.filter(
            status=Delivery.Status.QUEUED, digest=True, next_attempt_at__lte=now, recipient__isnull=False
        )
        .select_related("notification", "recipient")
        .order_by("recipient_id", "id")
    )
    by_user: dict[int, list[Delivery]] = {}
    for delivery in waiting:
        by_user.setdefault(delivery.recipient_id or 0, []).append(delivery)
    sent = 0
    for rows in by_user.values():
        user = rows[0].recipient
        assert user is not None
        lines = [f"· {d.message_text}" for d in rows]
        ids = [d.pk for d in rows]
        try:
            if not (user.email or "").strip():
                raise Permanent("no_email", "the recipient has no e-mail address")
            result = gateway_for(EMAIL).send(
                Message(
                    address=user.email,
                    kind="system.digest",
                    kind_label=str(kind_of("system.digest").label),
                    text="\n".join(lines),
                    link="/notifications/",
                    created_at=now,
                    reference=f"renda-digest-{ids[0]}",
                )
            )
        except Transient as fault:
            Delivery.objects.filter(pk__in=ids).update(
                attempts=rows[0].attempts + 1,
                next_attempt_at=now + backoff(rows[0].attempts + 1),
                gateway_code=fault.code,
                reason=fault.reason,
            )
            continue
        except Permanent as fault:
            Delivery.objects.filter(pk__in=ids).update(
                status=Delivery.Status.FAILED, attempts=rows[0].attempts + 1, gateway_code=fault.code,
                reason=fault.reason, next_attempt_at=None,
            )  # fmt: skip
            continue
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.SENT, sent_at=now, attempts=rows[0].attempts + 1, next_attempt_at=None,
            address_masked=mask_email(user.email), gateway_code=result.code[:40],
        )  # fmt: skip
        sent += 1
    return sent


# --- receipts ---------------------------------------------------------------------------------------


def receipts_check(*, now: dt.datetime | None = None, max_age_hours: int = 72) -> dict[str, int]:
    """回执: ask the gateways that give receipts (SMS) what became of the messages they took: delivered,
    or failed on the operator's side — then the next channel of the chain takes over."""
    now = now or timezone.now()
    counts = {"delivered": 0, "failed": 0, "pending": 0}
    waiting = list(
        Delivery.objects.filter(
            status=Delivery.Status.SENT,
            sent_at__gte=now - dt.timedelta(hours=max_age_hours),
            sent_at__lte=now - dt.timedelta(seconds=30),
        )
        .exclude(gateway_id="")
        .select_related("recipient", "notification")
        .order_by("id")
    )
    done: list[Delivery] = []
    fallbacks: list[Delivery] = []
    report = RunReport()
    for delivery in waiting:
        gateway = gateway_for(delivery.channel)
        ask = getattr(gateway, "receipt", None)
        if ask is None or delivery.sent_at is None:
            continue
        address = delivery.address if delivery.recipient is None else (delivery.recipient.phone or "")
        if not address.strip():
            continue
        try:
            receipt = ask(
                address=address.strip(),
                gateway_id=delivery.gateway_id,
                sent_on=timezone.localtime(delivery.sent_at).date(),
            )
        except (Transient, Permanent):
            continue  # asked again at the next check
        counts[receipt.state] = counts.get(receipt.state, 0) + 1
        if receipt.state == "delivered":
            delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, now
            delivery.gateway_code = receipt.code[:40]
            delivery.forget_address()
            done.append(delivery)
        elif receipt.state == "failed":
            delivery.gateway_code, delivery.reason = receipt.code[:40], "the operator could not deliver it"
            fallback = _fail(delivery, report, now)
            done.append(delivery)
            if fallback is not None:
                fallbacks.append(fallback)
    with transaction.atomic():
        for delivery in done:
            delivery.save()
        for fallback in fallbacks:
            fallback.save()
        # A number without an account is not kept past the receipts' window, receipt or not.
        Delivery.objects.filter(
            status=Delivery.Status.SENT, sent_at__lt=now - dt.timedelta(hours=max_age_hours)
        ).exclude(address="").update(address="", text="")
    if fallbacks:
        deliveries_send(ids=[f.pk for f in fallbacks], now=now)
    return counts
