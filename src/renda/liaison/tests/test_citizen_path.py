"""The citizen's path (issue 15.12): a readable challenge with a new-one button and a text
alternative, the tracking code with a copy button and the SMS wish, the booking confirmation that
repeats date, time and place, and 长者模式 on the public pages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse
from PIL import Image

from renda.liaison import services
from renda.liaison.challenge import LEGIBLE_ALPHABET, legible_challenge, text_challenge
from renda.liaison.models import Appointment, Opinion

from .conftest import CONTENT

pytestmark = pytest.mark.django_db


def _opinion(town, **extra):
    data = {
        "phone": "13812345678",
        "town": town.pk,
        "category": "urban",
        "content": CONTENT,
        "captcha_0": "x",
        "captcha_1": "PASSED",
    }
    data.update(extra)
    return data


def _key_and_question(html: str) -> tuple[str, str]:
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html)
    question = re.search(r"data-captcha-question>([^<]*)</p>", html)
    assert key and question
    return key.group(1), question.group(1)


def _text_form(client) -> tuple[str, str]:
    return _key_and_question(client.get(reverse("liaison:write") + "?challenge=text").content.decode())


def _answer(question: str) -> str:
    words = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]
    a, b = re.findall("[一二三四五六七八九]", question)
    return str(words.index(a) + words.index(b) + 2)


# --- the challenge ---------------------------------------------------------------------------------


def test_the_picture_has_no_look_alike_characters():
    for _ in range(200):
        challenge, response = legible_challenge()
        assert len(challenge) == 4 and set(challenge) <= set(LEGIBLE_ALPHABET)
        assert response == challenge.lower()
    assert not set("0O1IL2Z5S8B") & set(LEGIBLE_ALPHABET)


def test_the_picture_is_large_enough_to_read(client, station):
    page = client.get(reverse("liaison:write")).content.decode()
    found = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page)
    assert found
    key = found.group(1)
    image = Image.open(io.BytesIO(client.get(reverse("captcha-image", args=[key])).content))
    assert image.size[0] >= 80 and image.size[1] >= 40  # the library default: 52 × 26


def test_a_new_picture_comes_from_the_refresh_endpoint(client, station):
    page = client.get(reverse("liaison:write")).content.decode()
    assert 'data-captcha-refresh="/captcha/refresh/"' in page
    fresh = client.get(reverse("captcha-refresh"), headers={"x-requested-with": "XMLHttpRequest"}).json()
    assert CaptchaStore.objects.filter(hashkey=fresh["key"]).exists() and fresh["image_url"]


@pytest.mark.parametrize("zh", [True, False])
def test_the_text_question_is_answered_in_digits(zh, settings):
    settings.LANGUAGE_CODE = "zh-hans" if zh else "en"
    from django.utils import translation

    with translation.override("zh-hans" if zh else "en"):
        question, answer = text_challenge()
    assert 2 <= int(answer) <= 18 and not re.search(r"\d", question)


def test_citizen_answers_the_question_in_words_instead_of_the_picture(client, town, station):
    page = client.get(reverse("liaison:write") + "?challenge=text")
    html = page.content.decode()
    assert 'data-testid="captcha-image"' in html and 'name="challenge_mode" value="text"' in html
    key, question = _key_and_question(html)
    assert "加" in question and "等于几" in question
    response = client.post(
        reverse("liaison:write"),
        _opinion(town, captcha_0=key, captcha_1=_answer(question), challenge_mode="text"),
    )
    assert response.status_code == 302 and Opinion.objects.count() == 1


def test_full_width_digits_from_a_chinese_keyboard_are_accepted(client, town, station):
    key, question = _key_and_question(
        client.get(reverse("liaison:write") + "?challenge=text").content.decode()
    )
    wide = "".join(chr(ord(c) + 0xFEE0) for c in _answer(question))
    response = client.post(reverse("liaison:write"), _opinion(town, captcha_0=key, captcha_1=wide))
    assert response.status_code == 302


def test_a_wrong_answer_keeps_the_question_mode_and_asks_again(client, town, station):
    key, question = _key_and_question(
        client.get(reverse("liaison:write") + "?challenge=text").content.decode()
    )
    wrong = str(int(_answer(question)) + 1)
    response = client.post(
        reverse("liaison:write"), _opinion(town, captcha_0=key, captcha_1=wrong, challenge_mode="text")
    )
    assert response.status_code == 400 and Opinion.objects.count() == 0
    html = response.content.decode()
    new_key, new_question = _key_and_question(html)
    assert new_key != key and new_question
    assert CaptchaStore.objects.filter(hashkey=key).count() == 0  # one attempt per challenge


def test_the_challenge_endpoint_switches_without_losing_the_form(client, station):
    text = client.get(reverse("liaison:challenge") + "?mode=text").json()
    assert text["mode"] == "text" and text["question"] and "image_url" not in text
    assert CaptchaStore.objects.get(hashkey=text["key"]).challenge == text["question"]
    image = client.get(reverse("liaison:challenge") + "?mode=nonsense\x00").json()
    assert image["mode"] == "image" and image["image_url"].startswith("/captcha/image/")
    assert client.get(reverse("liaison:challenge")).headers["Cache-Control"] == "no-store"


def test_the_switch_link_keeps_the_station_chosen(client, station):
    html = client.get(reverse("liaison:write") + f"?station={station.code}").content.decode()
    assert f'href="?station={station.code}&amp;challenge=text"' in html


# --- the tracking code -------------------------------------------------------------------------------


def test_the_code_has_a_copy_button_and_the_sms_wish_is_kept(client, town, station):
    response = client.post(reverse("liaison:write"), _opinion(town, code_by_sms="on"))
    opinion = Opinion.objects.get()
    assert opinion.code_by_sms
    html = client.get(response["Location"]).content.decode()
    assert 'data-copy="#tracking-code"' in html and 'id="tracking-code"' in html
    assert "138****5678" in html and "13812345678" not in html


def test_without_the_sms_wish_no_sms_is_mentioned(client, town, station):
    response = client.post(reverse("liaison:write"), _opinion(town))
    assert not Opinion.objects.get().code_by_sms
    assert 'data-testid="sms-note"' not in client.get(response["Location"]).content.decode()


def test_the_booking_confirmation_repeats_date_time_and_place(client, station, deputy, manager, today):
    station.phone = "0910-1234567"
    station.save()
    day = services.reception_day_schedule(
        actor=manager,
        station=station,
        date=today + dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        place="二楼接待室",
        deputies=[deputy],
    )
    response = client.post(
        reverse("liaison:book", args=[day.pk]),
        {
            "name": "赵大爷",
            "phone": "13912345678",
            "topic": "村道硬化问题",
            "code_by_sms": "on",
            "captcha_0": "x",
            "captcha_1": "PASSED",
        },
    )
    assert response.status_code == 302
    assert Appointment.objects.get().code_by_sms
    html = client.get(response["Location"]).content.decode()
    summary = html[html.index('data-testid="booking-summary"') :]
    assert f"{day.date.year}年{day.date.month}月{day.date.day}日" in summary
    assert "09:00–11:30" in summary and "二楼接待室" in summary and station.name in summary
    assert "0910-1234567" in summary


# --- 长者模式 --------------------------------------------------------------------------------------


def test_elder_mode_is_remembered_and_works_without_javascript(client, station):
    assert "elder-mode" not in client.get(reverse("liaison:portal")).content.decode()
    response = client.post(reverse("liaison:elder_mode"), {"on": "1", "next": "/liaison/write/"})
    assert response.status_code == 302 and response["Location"] == "/liaison/write/"
    assert response.cookies["renda_elder"].value == "1"
    for name in ("portal", "write", "follow", "calendar", "published"):
        html = client.get(reverse(f"liaison:{name}")).content.decode()
        assert re.search(r'<body class="[^"]*\belder-mode\b', html), name
        assert 'aria-pressed="true"' in html
    client.post(reverse("liaison:elder_mode"), {"on": "0", "next": "/liaison/"})
    assert "elder-mode" not in client.get(reverse("liaison:portal")).content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_elder_mode_never_sends_the_visitor_elsewhere(client, target):
    response = client.post(reverse("liaison:elder_mode"), {"on": "1", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("liaison:portal")


def test_elder_mode_needs_a_post(client):
    assert client.get(reverse("liaison:elder_mode")).status_code == 405
