"""Workbenches tell the truth (issue 15.13): what waits for a person's act is on their to-do list
(never "nothing to do" beside open items), and every tile opens the list it counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from renda.suggestions import services
from renda.suggestions.models import State

pytestmark = pytest.mark.django_db


def _panel(client) -> str:
    html = client.get("/").content.decode()
    start = html.index('data-testid="suggestions-panel"')
    return html[start : html.index("</section>", start)]


def _todo(panel: str) -> list[str]:
    return re.findall(r'<li class="list-group-item px-0">(.*?)</li>', panel, re.S)


def _listed(client, url: str) -> int:
    html = client.get(url).content.decode()
    return len(re.findall(r'data-testid="suggestion-row"', html))


def test_the_office_sees_what_waits_for_review_and_assignment(flow, client_for):
    submitted = flow.to(State.SUBMITTED, title="关于城关镇农贸市场改造的建议")
    registered = flow.to(State.REGISTERED, title="关于河口镇污水处理站建设的建议")
    panel = _panel(client_for(flow.office))
    assert 'data-testid="empty-todo"' not in panel
    todo = " ".join(_todo(panel))
    assert submitted.title in todo and "审核" in todo
    assert registered.title in todo and "交办" in todo


def test_a_deputy_sees_what_to_rate_and_to_co_sign(flow, client_for, other_deputy):
    replied = flow.to(State.REPLIED, title="关于幸福小区加装电梯的建议")
    invited = services.suggestion_create(
        actor=other_deputy.user,
        title="关于中心小学增设护学岗的建议",
        content="中心小学门口上下学时段车辆拥堵，学生过马路存在安全隐患，建议增设护学岗和减速带。",
        category=flow.category,
        cosigners=[flow.deputy],
    )
    todo = " ".join(_todo(_panel(client_for(flow.deputy.user))))
    assert replied.title in todo and invited.title in todo


def test_a_lead_unit_sees_what_it_must_reply_to_before_any_deadline_nears(flow, client_for):
    handling = flow.to(State.IN_PROGRESS, title="关于老旧管网改造的建议")
    panel = _panel(client_for(flow.lead_clerk))
    assert 'data-testid="empty-todo"' not in panel
    assert handling.title in " ".join(_todo(panel))
    # and no other panel claims that nothing is assigned to the unit
    assert "目前没有交由本单位办理的事项" not in client_for(flow.lead_clerk).get("/").content.decode()


@pytest.mark.parametrize("who", ["office", "deputy", "lead_clerk"])
def test_every_tile_opens_the_list_it_counts(flow, client_for, who):
    flow.to(State.CLOSED, title="关于幸福小区路灯维修的建议")
    flow.to(State.IN_PROGRESS, title="关于城关镇停车难问题的建议")
    flow.to(State.SUBMITTED, title="关于河口镇卫生院扩建的建议")
    flow.draft(title="关于农村公路养护的建议")
    user = {"office": flow.office, "deputy": flow.deputy.user, "lead_clerk": flow.lead_clerk}[who]
    client = client_for(user)
    panel = _panel(client)
    tiles = re.findall(
        r'<a href="([^"]+)"><div class="stat-value" data-testid="stat">(\d+)</div>',
        panel.replace("&amp;", "&"),
    )
    stats = re.findall(r'data-testid="stat"', panel)
    assert tiles and len(tiles) == len(stats)  # every tile is a link
    for url, count in tiles:
        assert url.startswith(reverse("suggestions:list"))
        assert _listed(client, url) == int(count), url


def test_a_long_to_do_list_shows_every_kind_and_says_how_many_more(flow, client_for):
    for n in range(6):
        flow.to(State.SUBMITTED, title=f"关于第{n}号村道硬化的建议")
    flow.to(State.REGISTERED, title="关于河口镇污水处理站建设的建议")
    panel = _panel(client_for(flow.office))
    todo = _todo(panel)
    assert sum("待审核立案" in row for row in todo) == 4
    assert any("待交办承办单位" in row for row in todo)
    assert "另有 2 项" in panel
