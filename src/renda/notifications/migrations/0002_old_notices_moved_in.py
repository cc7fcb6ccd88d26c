"""The notices of suggestions (``suggestions.Notification``) and liaison (``liaison.Notification``)
move into the notification centre: every row, its text, time and read state, with the kind, the
link and the object it was about. The old tables go in ``suggestions.0007`` and ``liaison.0005``."""

from django.db import migrations
from django.urls import NoReverseMatch, reverse

# The suggestions module's old kinds (some carried a row id: "chase-12") → the declared kinds.
SUGGESTION_KINDS = {
    "release": "suggestion.release_requested",
    "opinion": "suggestion.opinion_sent",
    "waive": "suggestion.opinion_waived",
    "extension": "suggestion.extension_requested",
    "chase": "suggestion.chased",
    "commitment": "suggestion.commitment_due",
}
# Reminders are deduplicated on the object (kinds declared ``dedup``) or on the row they name.
DEDUP_ON_OBJECT = {"overdue", "due_soon"}
DEDUP_ON_ROW = {"not_accepted": "assignment"}
BATCH = 2000


def _link(name, pk, fallback=""):
    try:
        return reverse(name, args=[pk]) if pk is not None else (reverse(fallback) if fallback else "")
    except NoReverseMatch:
        return ""


def _content_type(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def move_in(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    OldSuggestionNotice = apps.get_model("suggestions", "Notification")
    OldLiaisonNotice = apps.get_model("liaison", "Notification")
    suggestion_type = _content_type(apps, "suggestions", "suggestion")
    opinion_type = _content_type(apps, "liaison", "opinion")

    batch = []

    def flush(rows):
        # created_at is auto_now_add: set it after the insert, for each row, from the old one.
        made = Notification.objects.bulk_create([row for row, _when in rows])
        for notice, (_row, when) in zip(made, rows):
            Notification.objects.filter(pk=notice.pk).update(created_at=when)
        rows.clear()

    for old in OldSuggestionNotice.objects.order_by("id").iterator(chunk_size=BATCH):
        stem, _sep, row_id = old.kind.partition("-")
        kind = "suggestion." + stem if stem not in SUGGESTION_KINDS else SUGGESTION_KINDS[stem]
        if stem in DEDUP_ON_OBJECT:
            dedup_key = f"{suggestion_type.pk}:{old.suggestion_id}"
        elif stem in DEDUP_ON_ROW and row_id:
            dedup_key = f"{DEDUP_ON_ROW[stem]}:{row_id}"
        else:
            dedup_key = ""
        batch.append(
            (
                Notification(
                    recipient_id=old.user_id,
                    kind=kind[:60],
                    text=old.text,
                    link=_link("suggestions:detail", old.suggestion_id),
                    object_type=suggestion_type,
                    object_id=old.suggestion_id,
                    dedup_key=dedup_key,
                    read_at=old.read_at,
                ),
                old.created_at,
            )
        )
        if len(batch) >= BATCH:
            flush(batch)
    flush(batch)

    for old in OldLiaisonNotice.objects.order_by("id").iterator(chunk_size=BATCH):
        batch.append(
            (
                Notification(
                    recipient_id=old.recipient_id,
                    # The old rows kept no kind: a notice about an opinion, or a new appointment.
                    kind="opinion.notice" if old.opinion_id else "appointment.new",
                    text=old.text,
                    link=_link("liaison:opinion", old.opinion_id, fallback="liaison:work"),
                    object_type=opinion_type if old.opinion_id else None,
                    object_id=old.opinion_id,
                    read_at=old.read_at,
                ),
                old.created_at,
            )
        )
        if len(batch) >= BATCH:
            flush(batch)
    flush(batch)


def move_out(apps, schema_editor):
    """Back: the moved notices return to the old tables (they exist again at this point)."""
    Notification = apps.get_model("notifications", "Notification")
    OldSuggestionNotice = apps.get_model("suggestions", "Notification")
    OldLiaisonNotice = apps.get_model("liaison", "Notification")
    reverse_kinds = {new: old for old, new in SUGGESTION_KINDS.items()}
    seen = set()
    for notice in Notification.objects.filter(
        object_type__app_label="suggestions", object_type__model="suggestion"
    ).order_by("id"):
        old_kind = reverse_kinds.get(notice.kind, notice.kind.removeprefix("suggestion."))[:20]
        day = notice.created_at.date()
        key = (notice.recipient_id, notice.object_id, old_kind, day)
        if key in seen:  # the old table held one notice per user, suggestion, kind and day
            continue
        seen.add(key)
        row = OldSuggestionNotice.objects.create(
            user_id=notice.recipient_id,
            suggestion_id=notice.object_id,
            kind=old_kind,
            text=notice.text,
            day=day,
            read_at=notice.read_at,
        )
        OldSuggestionNotice.objects.filter(pk=row.pk).update(created_at=notice.created_at)
    moved = Notification.objects.filter(object_type__app_label="liaison") | Notification.objects.filter(
        kind="appointment.new"
    )
    for notice in moved:
        row = OldLiaisonNotice.objects.create(
            recipient_id=notice.recipient_id,
            text=notice.text,
            opinion_id=notice.object_id if notice.object_type_id else None,
            read_at=notice.read_at,
        )
        OldLiaisonNotice.objects.filter(pk=row.pk).update(created_at=notice.created_at)
    # Forward again would copy them a second time: the centre keeps none of the moved-back rows.
    Notification.objects.filter(object_type__app_label__in=("suggestions", "liaison")).delete()
    Notification.objects.filter(kind="appointment.new").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("suggestions", "0006_assign_sessions_by_date"),
        ("liaison", "0004_dissatisfied_second_round"),
    ]

    operations = [migrations.RunPython(move_in, move_out)]
