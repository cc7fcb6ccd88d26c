"""The opinion inbox's everyday filters (issue 15.14): station, topic, state, date range and a
partial tracking code, read through bounded GET parsing; tiles that link to what they count."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from renda.liaison import services
from renda.liaison.models import Category, Opinion

pytestmark = pytest.mark.django_db


def _codes(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r'data-testid="opinion-row" data-code="([A-Z0-9]+)"', response.content.decode()))


@pytest.fixture
def inbox(submit, station, home, manager, client_for):
    """Three opinions at two stations, two topics, two dates, as the office that manages both sees them."""
    lamp = submit(category=Category.URBAN, station=station)
    school = submit(
        category=Category.EDUCATION,
        station=station,
        content="河口镇中心小学门口上下学时段交通拥堵，请增设护学岗。",
    )
    home_one = submit(
        category=Category.URBAN, station=home, content="人民路88号附近的下水道经常堵塞，雨天积水严重。"
    )
    Opinion.objects.filter(pk=school.pk).update(submitted_on=dt.date(2026, 3, 2))
    return {"lamp": lamp, "school": school, "home": home_one, "client": client_for(manager)}


def test_filter_by_station_topic_state_and_dates(inbox, station):
    client, url = inbox["client"], reverse("liaison:work")
    everything = {inbox[k].code for k in ("lamp", "school", "home")}
    assert _codes(client.get(url, {"view": "all"})) == everything
    assert _codes(client.get(url, {"view": "all", "station": station.pk})) == {
        inbox["lamp"].code,
        inbox["school"].code,
    }
    assert _codes(client.get(url, {"view": "all", "category": "education"})) == {inbox["school"].code}
    between = {"view": "all", "submitted_from": "2026-03-01", "submitted_to": "2026-03-31"}
    assert _codes(client.get(url, between)) == {inbox["school"].code}
    assert _codes(client.get(url, {"view": "all", "state": "pending", "category": "urban"})) == {
        inbox["lamp"].code,
        inbox["home"].code,
    }


@pytest.mark.parametrize("shape", ["end", "middle_dashed", "lower", "whole"])
def test_a_partial_tracking_code_finds_the_opinion(inbox, shape):
    code = inbox["school"].code
    typed = {
        "end": code[-5:],
        "middle_dashed": inbox["school"].code_display[5:12],
        "lower": code[3:9].lower(),
        "whole": inbox["school"].code_display,
    }[shape]
    found = _codes(inbox["client"].get(reverse("liaison:work"), {"view": "all", "q": typed}))
    assert inbox["school"].code in found and len(found) == 1


def test_words_still_search_the_text(inbox):
    found = _codes(inbox["client"].get(reverse("liaison:work"), {"view": "all", "q": "下水道"}))
    assert found == {inbox["home"].code}


@pytest.mark.parametrize(
    "params",
    [
        {"station": "²"},
        {"station": "99999999999999999999999"},
        {"category": "nonsense"},
        {"submitted_from": "2026-02-30"},
        {"submitted_to": "99999-01-01"},
        {"q": "\x00" + "码" * 500},
        {"state": "<script>"},
        {"page": "-3"},
    ],
)
def test_bad_filter_values_are_ignored_not_a_500(inbox, params):
    response = inbox["client"].get(reverse("liaison:work"), {"view": "all", **params})
    assert response.status_code == 200


def test_filters_stay_within_what_the_actor_sees(inbox, other_station, make_user, client_for, town_staff):
    # the town's staff manage only their station: asking for the other one shows nothing of it
    client = client_for(town_staff)
    assert _codes(client.get(reverse("liaison:work"), {"view": "all", "station": other_station.pk})) == set()
    assert inbox["home"].code not in _codes(
        client.get(reverse("liaison:work"), {"view": "all", "q": inbox["home"].code})
    )


def test_paging_keeps_the_filters(inbox, submit, station):
    for n in range(26):
        submit(
            category=Category.EDUCATION,
            station=station,
            content=f"第{n}条：学校周边道路需要增设减速带和人行横道线。",
        )
    html = (
        inbox["client"]
        .get(reverse("liaison:work"), {"view": "all", "category": "education"})
        .content.decode()
    )
    next_page = re.search(r'href="\?([^"]*page=2)"', html)
    assert next_page and "category=education" in next_page.group(1)


def test_each_tile_links_to_the_list_it_counts(inbox, manager):
    client = inbox["client"]
    services.opinion_accept(actor=manager, opinion=inbox["lamp"])
    html = client.get(reverse("liaison:work")).content.decode()
    for testid, expected in (
        ("tile-pending", 2),
        ("tile-in-hand", 1),
        ("tile-answered", 0),
        ("tile-overdue", 0),
    ):
        tile = re.search(
            rf'href="\?([^"]+)" data-testid="{testid}"><div class="stat-value[^"]*">(\d+)<', html
        )
        assert tile, testid
        query, count = tile.group(1).replace("&amp;", "&"), int(tile.group(2))
        assert count == expected
        assert len(_codes(client.get(reverse("liaison:work") + "?" + query))) == count, testid


def test_the_workbench_tiles_open_the_lists_they_count(inbox, manager):
    client = inbox["client"]
    services.opinion_accept(actor=manager, opinion=inbox["lamp"])
    html = client.get("/").content.decode().replace("&amp;", "&")
    start = html.index('aria-label="网上家站·群众意见"')
    panel = html[start : html.index("</section>", start)]
    tiles = re.findall(
        r'<a href="(/liaison/work/\?[^"]+)">\s*<div class="stat-value" data-testid="stat">(\d+)<', panel
    )
    assert len(tiles) == 3
    for url, count in tiles:
        assert len(_codes(client.get(url))) == int(count), url
