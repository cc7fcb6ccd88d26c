"""The public portal (no sign-in) and the work pages: bad input, throttling, scoping."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from renda.core.models import AuditEvent
from renda.liaison import services
from renda.liaison.models import Appointment, Opinion

from .conftest import CONTENT

pytestmark = pytest.mark.django_db


def opinion_post(town, **extra):
    data = {
        "name": "张建国",
        "phone": "138 1234 5678",
        "town": town.pk,
        "category": "urban",
        "content": CONTENT,
        "consent_publish": "on",
        "captcha_0": "x",
        "captcha_1": "PASSED",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("name", ["portal", "calendar", "write", "follow", "published"])
def test_public_pages_need_no_sign_in(client, station, name):
    response = client.get(reverse(f"liaison:{name}"))
    assert response.status_code == 200


def test_station_page_shows_deputies_and_schedule(client, station, deputy, manager, today):
    services.reception_day_schedule(
        actor=manager,
        station=station,
        date=today + dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
        deputies=[deputy],
    )
    response = client.get(reverse("liaison:station", args=[station.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "王代表" in html and "接待室" in html and 'data-testid="book-link"' in html
    assert client.get(reverse("liaison:station", args=["NOPE"])).status_code == 404


def test_citizen_submits_and_sees_the_code_once(client, town, station):
    response = client.post(reverse("liaison:write"), opinion_post(town))
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.phone == "13812345678" and opinion.consent_publish
    page = client.get(response["Location"])
    assert opinion.code_display in page.content.decode()
    # shown once: the code is not in any URL and not shown again
    assert opinion.code not in response["Location"]
    assert client.get(reverse("liaison:done")).status_code == 302


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345"),
        ("content", ""),
        ("content", "很" * 2001),
        ("content", "太短了"),
        ("captcha_1", "wrong"),
    ],
)
def test_bad_input_keeps_the_typed_text_and_saves_nothing(client, town, station, field, value):
    data = opinion_post(town, **{field: value})
    response = client.post(reverse("liaison:write"), data)
    assert response.status_code == 400
    assert Opinion.objects.count() == 0
    form = response.context["form"]
    assert field.split("_")[0] in form.errors
    if field != "content":
        assert CONTENT in response.content.decode()  # the citizen's text is kept


def test_forbidden_file_type_is_refused_with_the_text_kept(client, town, station):
    exe = SimpleUploadedFile("a.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    response = client.post(reverse("liaison:write"), {**opinion_post(town), "attachments": [exe]})
    assert response.status_code == 400
    assert "attachments" in response.context["form"].errors
    assert CONTENT in response.content.decode()
    assert Opinion.objects.count() == 0


def test_oversized_file_is_refused(client, town, station, monkeypatch):
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 50)
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    response = client.post(reverse("liaison:write"), {**opinion_post(town), "attachments": [big]})
    assert response.status_code == 400 and Opinion.objects.count() == 0


def test_a_burst_from_one_phone_is_throttled_with_a_message(town, station):
    statuses = []
    for i in range(7):
        client = Client(REMOTE_ADDR=f"10.0.0.{i + 1}")  # different addresses, same phone
        content = f"第{i}件事：{CONTENT}"
        response = client.post(reverse("liaison:write"), opinion_post(town, content=content))
        statuses.append(response.status_code)
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429, 429]
    assert Opinion.objects.count() == 5
    assert response.context["form"].non_field_errors()
    assert CONTENT in response.content.decode()


def test_a_burst_from_one_address_is_throttled(client, town, station, settings, monkeypatch):
    from renda.liaison import views

    monkeypatch.setitem(views.RATES, "opinion_ip", "3/h")
    statuses = [
        client.post(reverse("liaison:write"), opinion_post(town, phone=f"1390000000{i}")).status_code
        for i in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_follow_by_code_then_rate(client, submit, manager):
    opinion = submit()
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_handle_directly(actor=manager, opinion=opinion)
    services.opinion_answer(actor=manager, opinion=opinion, answer="路灯已于今日修复，感谢您的反映。")
    response = client.post(reverse("liaison:follow"), {"code": opinion.code_display, "phone_last4": "5678"})
    assert response.status_code == 302
    page = client.get(reverse("liaison:follow")).content.decode()
    assert "路灯已于今日修复" in page and 'data-testid="rate-form"' in page
    client.post(reverse("liaison:follow_rate"), {"satisfaction": "satisfied"})
    opinion.refresh_from_db()
    assert opinion.state == Opinion.State.CLOSED and opinion.satisfaction == "satisfied"


def test_wrong_code_or_phone_reveals_nothing(client, submit):
    opinion = submit()
    wrong_phone = client.post(reverse("liaison:follow"), {"code": opinion.code, "phone_last4": "0000"})
    wrong_code = client.post(reverse("liaison:follow"), {"code": "ABCD-EFGH-JKMN-PQ", "phone_last4": "5678"})
    assert wrong_phone.status_code == wrong_code.status_code == 404
    assert wrong_phone.context["form"].non_field_errors() == wrong_code.context["form"].non_field_errors()
    assert opinion.content not in wrong_phone.content.decode()


def test_guessing_digits_for_one_code_is_throttled(client, submit):
    opinion = submit()
    for guess in range(5):
        client.post(reverse("liaison:follow"), {"code": opinion.code, "phone_last4": f"000{guess}"})
    response = client.post(reverse("liaison:follow"), {"code": opinion.code, "phone_last4": "5678"})
    assert response.status_code == 429


def test_follow_an_appointment(client, station, deputy, manager, today):
    day = services.reception_day_schedule(
        actor=manager,
        station=station,
        date=today + dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
        deputies=[deputy],
    )
    response = client.post(
        reverse("liaison:book", args=[day.pk]),
        {
            "name": "赵大爷",
            "phone": "13712345678",
            "topic": "村道硬化",
            "captcha_0": "x",
            "captcha_1": "PASSED",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    client.post(reverse("liaison:follow"), {"code": appointment.code, "phone_last4": "5678"})
    page = client.get(reverse("liaison:follow")).content.decode()
    assert 'data-testid="followed-appointment"' in page


def test_booking_bad_phone_keeps_the_topic(client, station, deputy, manager, today):
    day = services.reception_day_schedule(
        actor=manager,
        station=station,
        date=today + dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
        deputies=[deputy],
    )
    response = client.post(
        reverse("liaison:book", args=[day.pk]),
        {"name": "赵大爷", "phone": "110", "topic": "村道硬化问题", "captcha_0": "x", "captcha_1": "PASSED"},
    )
    assert response.status_code == 400 and "村道硬化问题" in response.content.decode()
    assert Appointment.objects.count() == 0


# --- work pages ---------------------------------------------------------------------------------


def test_work_pages_refuse_citizens_and_anonymous(client, client_for, citizen_user, submit):
    opinion = submit()
    assert client.get(reverse("liaison:work")).status_code == 302  # to the sign-in page
    citizen = client_for(citizen_user)
    assert citizen.get(reverse("liaison:work")).status_code == 403
    assert citizen.get(reverse("liaison:opinion", args=[opinion.pk])).status_code == 403
    assert citizen.post(reverse("liaison:opinion_action", args=[opinion.pk, "accept"])).status_code == 403


def test_unit_clerk_lists_only_its_department(client_for, submit, manager, department, clerk, other_clerk):
    mine = submit()
    services.opinion_accept(actor=manager, opinion=mine)
    services.opinion_refer(actor=manager, opinion=mine, department=department)
    submit(phone="13900000000")
    page = client_for(clerk).get(reverse("liaison:work") + "?view=all").content.decode()
    assert page.count('data-testid="opinion-row"') == 1 and mine.code in page
    assert client_for(other_clerk).get(reverse("liaison:opinion", args=[mine.pk])).status_code == 403


def test_staff_accept_and_refer_through_the_page(client_for, submit, manager, department, clerk):
    opinion = submit()
    c = client_for(manager)
    detail = c.get(reverse("liaison:opinion", args=[opinion.pk])).content.decode()
    assert 'data-testid="action-accept"' in detail and "13812345678" in detail
    c.post(reverse("liaison:opinion_action", args=[opinion.pk, "accept"]), {"accept-note": ""})
    response = c.post(
        reverse("liaison:opinion_action", args=[opinion.pk, "refer"]), {"refer-department": department.pk}
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.state == Opinion.State.REFERRED and opinion.department == department


def test_history_names_people_and_their_roles_not_login_names(client_for, submit, manager, department, clerk):
    """Issue 15.7: the history reads 群众 / 张三（代表工作委员会） / the clerk's name and unit — no login
    name, no code such as ``citizen``, also for events stored before (their actor link decides)."""
    opinion = submit()
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_refer(actor=manager, opinion=opinion, department=department)
    services.opinion_start(actor=clerk, opinion=opinion)
    history = client_for(manager).get(reverse("liaison:opinion", args=[opinion.pk])).content.decode()
    events = history.split('data-testid="opinion-events"')[1].split("</ol>")[0]
    assert "群众" in events
    assert f"{manager.real_name}（代表工作委员会）" in events
    assert f"{clerk.real_name}（县住房和城乡建设局）" in events
    for code in (manager.username, clerk.username, "citizen", "staff", "unit_handler"):
        assert code not in events


def test_action_refused_to_a_deputy_of_another_station(client_for, submit, other_deputy):
    opinion = submit()
    response = client_for(other_deputy.user).post(
        reverse("liaison:opinion_action", args=[opinion.pk, "accept"])
    )
    assert response.status_code == 403


def test_deputy_may_not_refer_and_the_refusal_is_audited(client_for, submit, deputy, department):
    opinion = submit()
    c = client_for(deputy.user)
    c.post(reverse("liaison:opinion_action", args=[opinion.pk, "accept"]), {"accept-note": ""})
    response = c.post(
        reverse("liaison:opinion_action", args=[opinion.pk, "refer"]), {"refer-department": department.pk}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        outcome="refused", action="liaison.refer_opinion", actor=deputy.user
    ).exists()


def test_answer_too_short_is_refused_with_message(client_for, submit, manager):
    opinion = submit()
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_handle_directly(actor=manager, opinion=opinion)
    response = client_for(manager).post(
        reverse("liaison:opinion_action", args=[opinion.pk, "answer"]), {"answer-answer": "好"}
    )
    assert response.status_code == 400
    opinion.refresh_from_db()
    assert opinion.state == Opinion.State.PROCESSING


def test_reception_day_page_and_schedule(
    client_for, manager, station, deputy, today, stranger_staff, deputy_user
):
    c = client_for(manager)
    assert c.get(reverse("liaison:reception_days")).status_code == 200
    url = reverse("liaison:reception_day_new") + f"?station={station.pk}"
    too_soon = c.post(
        url,
        {
            "date": today.isoformat(),
            "start_time": "09:00",
            "end_time": "11:00",
            "place": "接待室",
            "deputies": [deputy.pk],
            "capacity": 5,
        },
    )
    assert too_soon.status_code == 400 and "date" in too_soon.context["form"].errors
    ok = c.post(
        url,
        {
            "date": (today + dt.timedelta(days=20)).isoformat(),
            "start_time": "09:00",
            "end_time": "11:00",
            "place": "接待室",
            "deputies": [deputy.pk],
            "capacity": 5,
        },
    )
    assert ok.status_code == 302
    assert client_for(stranger_staff).get(url).status_code == 403
    assert client_for(deputy_user).get(reverse("liaison:reception_days")).status_code == 403


def test_appointment_page_confirm(
    client_for, manager, station, deputy, today, town_staff, other_station, make_user
):
    day = services.reception_day_schedule(
        actor=manager,
        station=station,
        date=today + dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
        deputies=[deputy],
    )
    a = services.appointment_book(day=day, name="赵大爷", phone="13712345678", topic="村道硬化")
    c = client_for(town_staff)
    assert c.get(reverse("liaison:appointment", args=[a.pk])).status_code == 200
    response = c.post(
        reverse("liaison:appointment_action", args=[a.pk, "confirm"]), {"confirm-time": "09:30"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == Appointment.State.CONFIRMED


def test_moderation_page(client_for, manager, clerk, submit):
    assert client_for(manager).get(reverse("liaison:moderation")).status_code == 200
    assert client_for(clerk).get(reverse("liaison:moderation")).status_code == 403


def test_inbox_costs_constant_queries(client_for, manager, submit, django_assert_max_num_queries):
    for i in range(15):
        submit(phone=f"1380000{i:04d}", content=f"第{i}条：{CONTENT}")
    c = client_for(manager)
    c.get(reverse("liaison:work"))
    with django_assert_max_num_queries(25):
        response = c.get(reverse("liaison:work"))
    assert response.content.decode().count('data-testid="opinion-row"') == 15


def test_workbench_shows_the_inbox(client_for, manager, deputy, submit):
    submit(deputy=deputy, station=None)
    page = client_for(deputy.user).get(reverse("core:workbench")).content.decode()
    assert reverse("liaison:work") in page


# --- API ----------------------------------------------------------------------------------------


def test_api_submit_and_follow(client, town, station):
    response = client.post(
        "/api/v1/liaison/opinions",
        {"town": town.code, "category": "urban", "phone": "13812345678", "content": CONTENT},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    followed = client.post(
        "/api/v1/liaison/follow", {"code": code, "phone_last4": "5678"}, content_type="application/json"
    )
    assert followed.status_code == 200 and followed.json()["state"] == "pending"
    wrong = client.post(
        "/api/v1/liaison/follow", {"code": code, "phone_last4": "1111"}, content_type="application/json"
    )
    assert wrong.status_code == 404


def test_api_rejects_bad_phone_and_throttles_a_phone(client, town, station):
    bad = client.post(
        "/api/v1/liaison/opinions",
        {"town": town.code, "category": "urban", "phone": "123", "content": CONTENT},
        content_type="application/json",
    )
    assert bad.status_code == 400 and Opinion.objects.count() == 0
    statuses = [
        client.post(
            "/api/v1/liaison/opinions",
            {
                "town": town.code,
                "category": "urban",
                "phone": "13812345678",
                "content": f"{i}号事项：{CONTENT}",
            },
            content_type="application/json",
        ).status_code
        for i in range(6)
    ]
    assert statuses == [201] * 5 + [429]


def test_station_edit_page(client_for, town_staff, stranger_staff, station):
    url = reverse("liaison:station_edit", args=[station.pk])
    assert client_for(stranger_staff).get(url).status_code == 403
    response = client_for(town_staff).post(
        url, {"phone": "0910-1234567", "opening_hours": "工作日", "directions": "镇政府院内"}
    )
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.directions == "镇政府院内"


def test_cancel_reception_day_page(client_for, manager, town_staff, other_station, other_deputy, today):
    day = services.reception_day_schedule(
        actor=manager,
        station=other_station,
        date=today + dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
        deputies=[other_deputy],
    )
    refused = client_for(town_staff).post(
        reverse("liaison:reception_day_cancel", args=[day.pk]), {"reason": "有事"}
    )
    assert refused.status_code == 403
    client_for(manager).post(
        reverse("liaison:reception_day_cancel", args=[day.pk]), {"reason": "代表参加会议"}
    )
    day.refresh_from_db()
    assert day.status == "cancelled"


def test_new_opinion_notice_is_in_the_managers_inbox_and_opens_the_opinion(
    client_for, manager, submit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        opinion = submit()
    c = client_for(manager)
    notice = manager.notifications.get(kind="opinion.new")
    assert opinion.code_display in c.get(reverse("notifications:inbox")).content.decode()
    opened = c.get(reverse("notifications:open", args=[notice.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("liaison:opinion", args=[opinion.pk])
    assert not manager.notifications.filter(read_at__isnull=True).exists()


def test_remind_command_and_task(submit, manager, today):
    from io import StringIO

    from django.core.management import call_command

    from renda.liaison.tasks import send_reminders

    opinion = submit()
    Opinion.objects.filter(pk=opinion.pk).update(deadline=today - dt.timedelta(days=2))
    out = StringIO()
    call_command("liaison_remind", stdout=out)
    assert "overdue=1" in out.getvalue()
    assert send_reminders.call() == {"due": 0, "overdue": 0}  # once a day


def test_attachments_are_served_only_to_those_who_see_the_opinion(
    client, client_for, submit, manager, clerk, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    attachment = submit(attachments=[png]).attachments.get()
    url = reverse("liaison:attachment", args=[attachment.pk])
    response = client_for(manager).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client_for(clerk).get(url).status_code == 403
    assert client.get(url).status_code == 302


# --- the acts offered on the work pages (declared in liaison/acts.py, served by core) ------------


def _answered(submit, manager):
    opinion = submit(consent_publish=True)
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_handle_directly(actor=manager, opinion=opinion)
    services.opinion_answer(actor=manager, opinion=opinion, answer="已修复路灯，谢谢您的反映。")
    return opinion


def test_opinion_page_offers_the_acts_of_its_state_and_its_moderation(client_for, submit, manager):
    opinion = _answered(submit, manager)
    page = client_for(manager).get(reverse("liaison:opinion", args=[opinion.pk])).content.decode()
    for name in ("close", "publish", "withhold"):
        assert f'data-testid="action-{name}"' in page
    for name in ("accept", "reject", "answer", "merge"):
        assert f'data-testid="action-{name}"' not in page
    assert 'class="btn btn-sm btn-outline-danger" type="submit" data-testid="do-withhold"' in page


def test_a_refused_act_keeps_its_text_and_the_other_acts(client_for, submit, manager):
    opinion = _answered(submit, manager)
    response = client_for(manager).post(
        reverse("liaison:opinion_action", args=[opinion.pk, "withhold"]), {"withhold-reason": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="action-close"' in page and 'data-testid="action-publish"' in page
    opinion.refresh_from_db()
    assert opinion.publication == Opinion.Publication.QUEUED


def test_an_act_not_of_the_page_is_not_found(client_for, submit, manager):
    opinion = submit()
    url = reverse("liaison:opinion_action", args=[opinion.pk, "rate"])
    assert client_for(manager).post(url, {}).status_code == 404


def test_a_one_click_act_out_of_state_is_a_message(client_for, manager, station, deputy, today):
    day = services.reception_day_schedule(
        actor=manager,
        station=station,
        date=today + dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
        deputies=[deputy],
    )
    a = services.appointment_book(day=day, name="赵大爷", phone="13712345678", topic="村道硬化")
    c = client_for(manager)
    page = c.get(reverse("liaison:appointment", args=[a.pk])).content.decode()
    assert 'data-testid="appointment-confirm"' in page and 'data-testid="appointment-no_show"' not in page
    response = c.post(reverse("liaison:appointment_action", args=[a.pk, "no_show"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("liaison:appointment", args=[a.pk])
    assert any("cannot become" in str(m) or "不能" in str(m) for m in response.context["messages"])
    a.refresh_from_db()
    assert a.state == Appointment.State.PENDING


def _card_titles(page: str) -> dict[str, str]:
    """Each act's card on the page: its name and the heading it shows."""
    return dict(
        re.findall(r'data-testid="act-card-(\w+)">\s*<div class="card-body">\s*<h2[^>]*>([^<]+)</h2>', page)
    )


def test_every_act_card_says_what_it_does_and_the_answer_is_written_in_the_main_column(
    client_for, submit, manager, department, clerk
):
    """Issue 15.11: a card holding an act is headed with what it does (not only a verb on a button),
    and the page's main task (the answer, the publication) has the wide column."""
    opinion = submit(consent_publish=True)
    c = client_for(manager)
    url = reverse("liaison:opinion", args=[opinion.pk])
    page = c.get(url).content.decode()
    titles = _card_titles(page)
    assert titles["accept"] == "受理意见" and titles["reject"] == "不予受理"
    services.opinion_accept(actor=manager, opinion=opinion)
    assert _card_titles(c.get(url).content.decode())["refer"] == "转交承办单位"
    services.opinion_refer(actor=manager, opinion=opinion, department=department)
    services.opinion_start(actor=clerk, opinion=opinion)
    page = client_for(clerk).get(url).content.decode()
    assert _card_titles(page)["answer"] == "答复群众"
    main, side = page.split('<div class="col-12 col-lg-4">', 1)
    assert 'data-testid="act-card-answer"' in main and 'data-testid="opinion-events"' in main
    assert main.index('data-testid="act-card-answer"') < main.index('data-testid="opinion-events"')
    services.opinion_answer(actor=clerk, opinion=opinion, answer="经现场核查，路灯已于本周更换完毕。")
    page = c.get(url).content.decode()
    main, side = page.split('<div class="col-12 col-lg-4">', 1)
    assert _card_titles(main) == {"publish": "公开答复"}
    assert _card_titles(side) == {"close": "办结（不待群众评价）", "withhold": "不予公开"}
