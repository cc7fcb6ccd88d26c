"""The migration that puts the liaison histories on the kernel's event base keeps every stored row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("liaison", "0002_reception_appointments_opinions")]
AFTER = [("liaison", "0003_event_history_on_the_workflow_kernel")]
COMMON = ("id", "actor_id", "actor_name", "at", "from_state", "to_state", "note")


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


def _rows(model, link):
    return [
        {name: row[name] for name in (*COMMON, link, *(("action",) if "action" in row else ()))}
        for row in model.objects.order_by("id").values()
    ]


@pytest.mark.django_db(transaction=True)
def test_stored_histories_survive_the_move_to_the_event_base(county, make_user):
    staff = make_user("staff")
    old = _migrate(BEFORE)
    try:
        Region = old.get_model("accounts", "Region")
        Station = old.get_model("liaison", "Station")
        ReceptionDay = old.get_model("liaison", "ReceptionDay")
        Appointment = old.get_model("liaison", "Appointment")
        AppointmentEvent = old.get_model("liaison", "AppointmentEvent")
        Opinion = old.get_model("liaison", "Opinion")
        OpinionEvent = old.get_model("liaison", "OpinionEvent")
        town = Region.objects.create(code="610999101", name="城关镇", level="town", parent_id=county.pk)
        station = Station.objects.create(
            code="STN-1", name="城关镇人大代表联络站", kind="station", region=town, address="镇政府院内"
        )
        day = ReceptionDay.objects.create(
            station=station,
            date=dt.date(2024, 3, 8),
            start_time=dt.time(9),
            end_time=dt.time(11),
            place="接待室",
        )
        when = timezone.make_aware(dt.datetime(2024, 3, 5, 9, 30))
        trail = {
            "A1": [("", "pending"), ("pending", "confirmed"), ("confirmed", "received")],
            "A2": [("", "pending"), ("pending", "rejected")],
            "A3": [("", "pending"), ("pending", "confirmed"), ("confirmed", "no_show")],
        }
        for code, moves in trail.items():
            appointment = Appointment.objects.create(
                code=code, reception_day=day, name="赵大爷", phone="13712345678", topic="村道硬化"
            )
            for i, (source, target) in enumerate(moves):
                AppointmentEvent.objects.create(
                    appointment=appointment,
                    actor_id=staff.pk if i else None,
                    actor_name=staff.username if i else "citizen",
                    at=when + dt.timedelta(days=i),
                    from_state=source,
                    to_state=target,
                    note="请直接到镇信访办反映" if target == "rejected" else "",
                )
        opinion = Opinion.objects.create(
            code="OPINION1",
            station=station,
            town=town,
            category="urban",
            phone="13812345678",
            content="门口的路灯坏了三个月，希望尽快修好。",
            submitted_on=dt.date(2024, 3, 5),
            state="answered",
            publication="published",
        )
        for action, source, target, note in [
            ("submit", "", "pending", ""),
            ("accept", "pending", "accepted", "复杂" * 200),  # 400 characters: the old column's limit
            ("publication_published", "answered", "answered", ""),
            ("publication_withheld", "answered", "answered", "含有个人信息"),
        ]:
            OpinionEvent.objects.create(
                opinion=opinion,
                actor_id=None if action == "submit" else staff.pk,
                actor_name="citizen" if action == "submit" else staff.username,
                action=action,
                at=when,
                from_state=source,
                to_state=target,
                note=note,
            )
        appointment_rows = _rows(AppointmentEvent, "appointment_id")
        opinion_rows = _rows(OpinionEvent, "opinion_id")
    finally:
        new = _migrate(AFTER)

    AppointmentEvent = new.get_model("liaison", "AppointmentEvent")
    OpinionEvent = new.get_model("liaison", "OpinionEvent")
    after = _rows(AppointmentEvent, "appointment_id")
    # every row kept as it was, and each now names the act that moved it there
    assert [{k: v for k, v in row.items() if k != "action"} for row in after] == appointment_rows
    assert [(row["to_state"], row["action"]) for row in after] == [
        ("pending", "book"),
        ("confirmed", "confirm"),
        ("received", "receive"),
        ("pending", "book"),
        ("rejected", "reject"),
        ("pending", "book"),
        ("confirmed", "confirm"),
        ("no_show", "no_show"),
    ]
    after = _rows(OpinionEvent, "opinion_id")
    assert [{k: v for k, v in row.items() if k != "action"} for row in after] == [
        {k: v for k, v in row.items() if k != "action"} for row in opinion_rows
    ]
    # the moderation events are named as the acts are now
    assert [row["action"] for row in after] == ["submit", "accept", "publish", "withhold"]
    assert after[1]["note"] == "复杂" * 200 and after[0]["at"] == when


@pytest.mark.django_db(transaction=True)
def test_the_migrated_tables_take_the_kernels_values(submit):
    """After the migration a long note, an action of 40 and a state of 20 characters fit (PostgreSQL)."""
    from renda.liaison.models import OpinionEvent

    opinion = submit()
    event = OpinionEvent.objects.create(
        opinion=opinion, action="a" * 40, from_state="x" * 20, to_state="y" * 20, note="很" * 3000
    )
    event.refresh_from_db()
    assert (len(event.action), len(event.from_state), len(event.note)) == (40, 20, 3000)
