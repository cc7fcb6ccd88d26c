"""The notices of suggestions and liaison move into the notification centre: every row, its text,
time and read state; their own tables go."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("notifications", "0001_initial"),
    ("suggestions", "0006_assign_sessions_by_date"),
    ("liaison", "0004_dissatisfied_second_round"),
    ("deputies", "0001_initial"),  # the deputies of those days: one row per seat, with its name
]
AFTER = [
    ("notifications", "0002_old_notices_moved_in"),
    ("suggestions", "0007_notifications_moved"),
    ("liaison", "0005_notifications_moved"),
    ("deputies", "0001_initial"),
]


@pytest.fixture(autouse=True)
def _latest_schema_after():
    """A test that migrates back leaves the schema at the latest migrations for the tests after it."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)
def test_old_notices_move_in_with_their_read_state_and_the_old_tables_go(county, make_user):
    clerk, deputy_user, manager = make_user("unit_handler"), make_user("deputy"), make_user("staff")
    when = timezone.make_aware(dt.datetime(2025, 3, 5, 9, 30))
    read = timezone.make_aware(dt.datetime(2025, 3, 6, 8, 0))
    old = _migrate(BEFORE)
    try:
        assert {"suggestions_notification", "liaison_notification"} <= _tables()
        Term = old.get_model("deputies", "Term")
        Deputy = old.get_model("deputies", "Deputy")
        Category = old.get_model("suggestions", "SuggestionCategory")
        Suggestion = old.get_model("suggestions", "Suggestion")
        SNotice = old.get_model("suggestions", "Notification")
        Station = old.get_model("liaison", "Station")
        Opinion = old.get_model("liaison", "Opinion")
        LNotice = old.get_model("liaison", "Notification")
        term = Term.objects.create(
            level="county", region_id=county.pk, number=19, name="第十九届",
            start_date=dt.date(2022, 1, 1), end_date=dt.date(2030, 12, 31), is_current=True,
        )  # fmt: skip
        deputy = Deputy.objects.create(
            term=term, region_id=county.pk, number="19001", name="李代表", gender="M", user_id=deputy_user.pk
        )
        category = Category.objects.get_or_create(name="城乡建设")[0]
        suggestion = Suggestion.objects.create(
            title="关于幸福小区老旧管网改造的建议", content="排水管网老化。", category=category,
            deputy=deputy, state="in_progress", number="2025-001",
        )  # fmt: skip
        rows = [
            (clerk, "assigned", "建议2025-001已交办", None),
            (clerk, "overdue", "建议2025-001已超期", read),
            (deputy_user, "chase-17", "催办：请加快办理", None),
            (clerk, "not_accepted-4", "未按时签收", read),
        ]
        for user, kind, text, read_at in rows:
            n = SNotice.objects.create(
                user_id=user.pk, suggestion=suggestion, kind=kind, text=text, day=when.date(), read_at=read_at
            )
            SNotice.objects.filter(pk=n.pk).update(created_at=when)
        station = Station.objects.create(
            code="STN-1",
            name="城关镇人大代表联络站",
            kind="station",
            region_id=county.pk,
            address="镇政府院内",
        )
        opinion = Opinion.objects.create(
            code="OPINION1", station=station, town_id=county.pk, category="urban", phone="13812345678",
            content="门口的路灯坏了三个月，希望尽快修好。", submitted_on=dt.date(2025, 3, 5), state="pending",
        )  # fmt: skip
        with_opinion = LNotice.objects.create(
            recipient_id=manager.pk, text="新意见 OPINION1", opinion=opinion
        )
        LNotice.objects.filter(pk=with_opinion.pk).update(created_at=when, read_at=read)
        LNotice.objects.create(recipient_id=manager.pk, text="新预约：3月8日")
    finally:
        new = _migrate(AFTER)

    assert not {"suggestions_notification", "liaison_notification"} & _tables()
    Notification = new.get_model("notifications", "Notification")
    moved = list(Notification.objects.order_by("id"))
    assert len(moved) == 6
    got = [(n.recipient_id, n.kind, n.text, n.read_at, n.object_id) for n in moved[:4]]
    assert got == [
        (clerk.pk, "suggestion.assigned", "建议2025-001已交办", None, suggestion.pk),
        (clerk.pk, "suggestion.overdue", "建议2025-001已超期", read, suggestion.pk),
        (deputy_user.pk, "suggestion.chased", "催办：请加快办理", None, suggestion.pk),
        (clerk.pk, "suggestion.not_accepted", "未按时签收", read, suggestion.pk),
    ]
    assert all(n.created_at == when and n.link == f"/suggestions/{suggestion.pk}/" for n in moved[:4])
    assert moved[1].dedup_key.endswith(f":{suggestion.pk}") and moved[3].dedup_key == "assignment:4"
    opinion_notice, appointment_notice = moved[4], moved[5]
    assert (opinion_notice.kind, opinion_notice.text, opinion_notice.read_at, opinion_notice.created_at) == (
        "opinion.notice", "新意见 OPINION1", read, when,
    )  # fmt: skip
    assert opinion_notice.link == f"/liaison/work/opinions/{opinion.pk}/"
    assert opinion_notice.object_id == opinion.pk and opinion_notice.recipient_id == manager.pk
    assert (appointment_notice.kind, appointment_notice.link, appointment_notice.object_id) == (
        "appointment.new", "/liaison/work/", None,
    )  # fmt: skip

    # And back: the old tables get their rows again, and the centre keeps none of them.
    back = _migrate(BEFORE)
    SNotice = back.get_model("suggestions", "Notification")
    LNotice = back.get_model("liaison", "Notification")
    assert sorted(SNotice.objects.values_list("text", "read_at")) == sorted(
        (text, read_at) for _user, _kind, text, read_at in rows
    )
    assert LNotice.objects.count() == 2
    assert not back.get_model("notifications", "Notification").objects.exists()
