"""消息中心 services: :func:`notify` (what every module calls), :func:`notify_phone` (a text to a
number without an account), marking notices read, and trying a failed notification again.

``notify`` writes nothing in the caller's transaction: it registers its work with
``transaction.on_commit``, so a rolled-back request notifies no one, and whatever goes wrong while
notifying never reaches the request that triggered it: it is logged and kept as a
:class:`NotifyFailure` the administrators see in the delivery log and can try again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.accounts.models import User
from renda.core.audit import audit
from renda.core.masking import mask_phone
from renda.core.permissions import require, service
from renda.core.words import Words, chinese, has_words
from renda.notifications import selectors
from renda.notifications.kinds import SMS, kind_of
from renda.notifications.models import TEXT_MAX, Delivery, Notification, NotifyFailure
from renda.notifications.params import param

logger = logging.getLogger("renda.notifications")

LINK_MAX = 300


def _recipient_ids(recipients: Iterable[Any]) -> list[int]:
    ids: dict[int, None] = {}
    for r in recipients:
        pk = r if isinstance(r, int) else getattr(r, "pk", None)
        if isinstance(pk, int):
            ids[pk] = None
    return list(ids)


def _text_and_words(text: Words) -> tuple[str, Words]:
    """A notice's stored text (Chinese, cut to its field) and its words (None for plain text: data)."""
    if has_words(text):
        words = json.loads(json.dumps(text, default=str))  # a date, a name: data, kept as their text
        return chinese(words)[:TEXT_MAX], words
    return str(text if text is not None else "")[:TEXT_MAX], None


def _object_ref(obj: models.Model | None) -> tuple[int | None, int | None]:
    if obj is None or not isinstance(obj.pk, int):
        return None, None
    return ContentType.objects.get_for_model(obj).pk, obj.pk


def notify(
    *,
    kind: str,
    recipients: Iterable[Any],
    text: Words,
    link: str,
    obj: models.Model | None = None,
    urgent: bool = False,
    dedup_key: str | None = None,
) -> None:
    """通知: tell ``recipients`` (users or their ids) of an event of ``kind`` once the caller's
    transaction commits — an in-app notice each, and the deliveries by their other channels.

    ``text`` is the short message: words (:func:`renda.core.words.say`, kept with the notice and read
    in each reader's language; its Chinese rendering is the stored text and what messages send) or a
    plain string (data, shown as it is); cut to 300 characters. ``link`` the page it leads to, ``obj`` the
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
        stored, words = _text_and_words(text)
        job = _NotifyJob(
            kind=kind[:60],
            recipient_ids=ids,
            text=stored,
            words=words,
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
        words: Words,
        link: str,
        object_type_id: int | None,
        object_id: int | None,
        urgent: bool,
        dedup_key: str,
    ) -> None:
        self.kind, self.recipient_ids, self.text, self.link = kind, recipient_ids, text, link
        self.words = words
        self.object_type_id, self.object_id = object_type_id, object_id
        self.urgent, self.dedup_key = urgent, dedup_key

    def run(self) -> list[Notification]:
        try:
            with transaction.atomic():
                return self._write()
        except Exception as fault:  # noqa: BLE001 - kept with its reason, never raised into the request
            logger.exception("notify(kind=%s) failed for %d recipients", self.kind, len(self.recipient_ids))
            _record_failure(
                NotifyFailure.Stage.NOTICES,
                fault,
                kind=self.kind,
                object_type_id=self.object_type_id,
                object_id=self.object_id,
                recipients=len(self.recipient_ids),
                payload=self.payload(),
            )
            return []

    def payload(self) -> dict[str, Any]:
        return {
            "recipient_ids": self.recipient_ids,
            "text": self.text,
            "words": self.words,
            "link": self.link,
            "urgent": self.urgent,
            "dedup_key": self.dedup_key,
        }

    @classmethod
    def from_failure(cls, failure: NotifyFailure) -> _NotifyJob:
        data = failure.payload
        return cls(
            kind=failure.kind,
            recipient_ids=[int(pk) for pk in data.get("recipient_ids", [])],
            text=str(data.get("text", "")),
            words=data.get("words"),
            link=str(data.get("link", "")),
            object_type_id=failure.object_type_id,
            object_id=failure.object_id,
            urgent=bool(data.get("urgent")),
            dedup_key=str(data.get("dedup_key", "")),
        )

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
                    words=self.words,
                    link=self.link,
                    object_type_id=self.object_type_id,
                    object_id=self.object_id,
                    dedup_key=self.dedup_key,
                    urgent=self.urgent,
                )
                for pk in ids
            ]
        )
        _plan_messages(notices)
        return notices


def _record_failure(
    stage: str,
    fault: BaseException,
    *,
    kind: str,
    object_type_id: int | None,
    object_id: int | None,
    recipients: int,
    payload: dict[str, Any],
) -> NotifyFailure | None:
    """Keep a failed notification for the delivery log (its own transaction; never raising)."""
    try:
        with transaction.atomic():
            return NotifyFailure.objects.create(
                kind=kind[:60],
                stage=stage,
                object_type_id=object_type_id,
                object_id=object_id,
                recipients=recipients,
                error_class=type(fault).__name__[:120],
                error_message=str(fault)[:500],
                payload=payload,
            )
    except Exception:  # noqa: BLE001 - the database itself may be what failed
        logger.exception("notify(kind=%s): the failure could not be kept either", kind)
        return None


def _plan_messages(notices: list[Notification], *, record: bool = True) -> None:
    """The deliveries by the other channels, and the task that sends them (never failing the notices:
    a fault here is kept as a failure of stage "messages", the in-app notices stay). With
    ``record=False`` (a retry) the fault is raised instead."""
    try:
        _plan_and_enqueue(notices)
    except Exception as fault:  # noqa: BLE001 - the notices are written; their messages are what failed
        if not record:
            raise
        logger.exception("notify: could not plan the messages of %d notices", len(notices))
        first = notices[0] if notices else None
        _record_failure(
            NotifyFailure.Stage.MESSAGES,
            fault,
            kind=first.kind if first else "",
            object_type_id=first.object_type_id if first else None,
            object_id=first.object_id if first else None,
            recipients=len(notices),
            payload={"notice_ids": [n.pk for n in notices]},
        )


def _plan_and_enqueue(notices: list[Notification]) -> None:
    from renda.notifications import tasks
    from renda.notifications.delivery import plan_deliveries

    with transaction.atomic():
        planned = plan_deliveries(notices)
        now = timezone.now()
        due = [d.pk for d in planned if not d.digest and d.next_attempt_at and d.next_attempt_at <= now]
        if due:
            tasks.send_deliveries.enqueue(due)
        later = [d.next_attempt_at for d in planned if not d.digest and d.next_attempt_at and d.pk not in due]
        if later:
            tasks.schedule_sweep(min(later))
        digests = [d.next_attempt_at for d in planned if d.digest and d.next_attempt_at]
        if digests:
            tasks.schedule_digest(min(digests))


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


# --- a text to a number without an account ------------------------------------------------------------


def notify_phone(*, kind: str, phone: str, text: Words, obj: models.Model | None = None) -> None:
    """短信: one text to ``phone`` — someone without an account (a citizen's tracking code) — once
    the caller's transaction commits, sent by the worker through the SMS gateway with its retries,
    rate limit and receipts. The quiet hours do not apply (the person just asked for it); at most
    ``PHONE_TEXTS_PER_HOUR`` such texts reach one number within an hour (the rest are dropped and
    logged, masked). The number is kept only until the text is delivered or failed, and shown
    masked everywhere. ``text`` (words or a plain string) is sent in Chinese: a citizen without an
    account has no language of their own. Never raises."""
    try:
        number = selectors.mobile_number(phone)
        if not number:
            if str(phone or "").strip():
                masked = mask_phone(str(phone))
                logger.warning("notify_phone(kind=%s): %s is not a mobile number", kind, masked)
            return
        object_type_id, object_id = _object_ref(obj)
        job = _PhoneJob(
            kind=kind[:60],
            phone=number,
            text=_text_and_words(text)[0],
            object_type_id=object_type_id,
            object_id=object_id,
        )
    except Exception:  # noqa: BLE001 - a text never breaks the work it reports
        logger.exception("notify_phone(kind=%s): could not prepare the text", kind)
        return
    transaction.on_commit(job.run, robust=True)


class _PhoneJob:
    def __init__(
        self, *, kind: str, phone: str, text: str, object_type_id: int | None, object_id: int | None
    ) -> None:
        self.kind, self.phone, self.text = kind, phone, text
        self.object_type_id, self.object_id = object_type_id, object_id

    def run(self) -> Delivery | None:
        from renda.notifications import tasks
        from renda.notifications.delivery import phone_hash

        try:
            with transaction.atomic():
                digest = phone_hash(self.phone)
                sent = selectors.texts_to_number_within_hour(self.phone)
                if sent >= int(param("PHONE_TEXTS_PER_HOUR")):
                    logger.warning(
                        "notify_phone(kind=%s): %s had %d texts within the hour; not sent",
                        self.kind, mask_phone(self.phone), sent,
                    )  # fmt: skip
                    return None
                delivery = Delivery.objects.create(
                    kind=self.kind,
                    channel=SMS,
                    address=self.phone,
                    address_hash=digest,
                    address_masked=mask_phone(self.phone),
                    text=self.text,
                    object_type_id=self.object_type_id,
                    object_id=self.object_id,
                    next_attempt_at=timezone.now(),
                )
                tasks.send_deliveries.enqueue([delivery.pk])
                return delivery
        except Exception as fault:  # noqa: BLE001 - kept (without the number), never raised
            logger.exception("notify_phone(kind=%s) failed for %s", self.kind, mask_phone(self.phone))
            _record_failure(
                NotifyFailure.Stage.PHONE,
                fault,
                kind=self.kind,
                object_type_id=self.object_type_id,
                object_id=self.object_id,
                recipients=1,
                payload={},
            )
            return None


# --- a failed notification, tried again ---------------------------------------------------------------


@service
def notify_failure_retry(*, actor: User, failure: NotifyFailure) -> tuple[int, str]:
    """再试: write again what a failed :func:`notify` could not — its notices (and their messages),
    or the messages of notices already written. Answers (the notices it covered, ""), or (0, the
    new fault's class) — kept on the row, which stays open to another try."""
    require(actor, "notifications.retry_failures")
    failure = NotifyFailure.objects.select_for_update().get(pk=failure.pk)
    if not failure.can_retry:
        raise ValidationError(_("This failed notification cannot be tried again."))
    try:
        with transaction.atomic():
            if failure.stage == NotifyFailure.Stage.NOTICES:
                count = len(_NotifyJob.from_failure(failure)._write())
            else:
                ids = [int(pk) for pk in failure.payload.get("notice_ids", [])]
                notices = list(Notification.objects.filter(pk__in=ids, deliveries__isnull=True))
                if notices:
                    _plan_messages(notices, record=False)
                count = len(notices)
    except Exception as fault:  # noqa: BLE001 - shown to the administrator, the row stays retryable
        logger.exception("notify retry of failure %s failed", failure.pk)
        NotifyFailure.objects.filter(pk=failure.pk).update(
            retry_error=f"{type(fault).__name__}: {fault}"[:500]
        )
        audit(actor, "notifications.failure_retry", failure, note=f"failed {type(fault).__name__}")
        return 0, type(fault).__name__
    failure.retried_at, failure.retried_by, failure.retry_error = timezone.now(), actor, ""
    failure.save(update_fields=["retried_at", "retried_by", "retry_error"])
    audit(actor, "notifications.failure_retry", failure, note=f"notices={count}")
    return count, ""
