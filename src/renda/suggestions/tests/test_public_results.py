"""办理结果公开 (issue 15.6): the real reply (masked), a detail page, search, filters, dates; only
what the workflow allows; anonymous; bad filters ignored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.suggestions import services
from renda.suggestions.models import Session, State
from renda.suggestions.tests.letter import LETTER

pytestmark = pytest.mark.django_db

D_REPLY = (
    "您提出的意见对做好校车管理工作很有参考价值。受现行政策和县级财力所限，目前暂不具备实施条件，"
    "我局将留作今后工作参考。反映人李某（电话13992871234，住城关镇东风村5组12号）的诉求已另行答复。"
)
A_REPLY = "一、我局已安排资金86万元，完成幸福小区排水管网改造。\n二、积水问题已经解决。"


def _replied(flow, title, reply_class, text, **kw):
    s = flow.to(State.IN_PROGRESS, title=title, **kw)
    services.suggestion_reply(
        actor=flow.lead_clerk, suggestion=s, reply_class=reply_class, text=text, **LETTER
    )
    services.suggestion_rate(actor=flow.deputy.user, suggestion=flow.refresh(s), result="basic", attitude=4)
    return flow.refresh(s)


def _publish_as_offered(flow, client_for, s):
    """The office publishes with the text the form offers (the reply, masked), as a person would."""
    client = client_for(flow.office)
    page = client.get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    start = page.index('name="publish-summary"')
    textarea = page[page.index(">", start) + 1 : page.index("</textarea>", start)]
    import html

    offered = html.unescape(textarea).strip()
    response = client.post(reverse("suggestions:act", args=[s.pk, "publish"]), {"publish-summary": offered})
    assert response.status_code == 302
    return offered


def test_each_result_shows_its_own_reply_masked_with_its_class_and_dates(flow, client, client_for):
    a = _replied(flow, "关于幸福小区排水管网改造的建议", "A", A_REPLY)
    d = _replied(flow, "关于增开乡村校车线路的建议", "D", D_REPLY)
    offered = _publish_as_offered(flow, client_for, d)
    assert "13992871234" not in offered and "5组12号" not in offered and "暂不具备实施条件" in offered
    _publish_as_offered(flow, client_for, a)
    page = client.get(reverse("suggestions:public")).content.decode()  # anonymous
    assert page.count('data-testid="public-result"') == 2
    assert "暂不具备实施条件" in page and "完成幸福小区排水管网改造" in page
    assert "13992871234" not in page and "5组12号" not in page and "[电话]" in page
    assert "D 类" in page and "A 类" in page
    detail = client.get(reverse("suggestions:public_result", args=[d.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "暂不具备实施条件" in body and "13992871234" not in body and "完成幸福小区" not in body
    reply = d.replies.get()
    assert reply.replied_at.strftime("%Y-%m-%d") in body and "D 类" in body
    d.refresh_from_db()
    assert d.published_at.strftime("%Y-%m-%d") in body and d.published_reply_id == reply.pk


def test_publishing_masks_personal_data_whatever_is_submitted(flow):
    s = _replied(flow, "关于增开乡村校车线路的建议", "D", D_REPLY)
    services.suggestion_publish(actor=flow.office, suggestion=s, summary=D_REPLY)
    s.refresh_from_db()
    assert "13992871234" not in s.public_summary and "[电话]" in s.public_summary


def test_only_results_the_workflow_allows_are_public(flow, client, client_for):
    s = _replied(flow, "关于幸福小区排水管网改造的建议", "A", A_REPLY)
    unpublished = _replied(flow, "关于未公开事项的建议", "A", A_REPLY)
    url = reverse("suggestions:public_result", args=[s.pk])
    assert client.get(url).status_code == 404  # not published yet
    assert client.get(reverse("suggestions:public_result", args=[unpublished.pk])).status_code == 404
    _publish_as_offered(flow, client_for, s)
    assert client.get(url).status_code == 200
    services.suggestion_unpublish(actor=flow.office, suggestion=s)
    assert client.get(url).status_code == 404
    assert "幸福小区" not in client.get(reverse("suggestions:public")).content.decode()


def test_search_and_filters(flow, client, client_for, make_organisation, term):
    a = _replied(flow, "关于幸福小区排水管网改造的建议", "A", A_REPLY)
    d = _replied(flow, "关于增开乡村校车线路的建议", "D", D_REPLY)
    for s in (a, d):
        services.suggestion_publish(actor=flow.office, suggestion=s, summary=s.replies.get().text)
    session = Session.objects.create(
        term=term,
        number=5,
        kind=Session.Kind.INTERVAL,
        start_date=a.created_at.date(),
        end_date=a.created_at.date(),
    )
    type(a).objects.filter(pk=a.pk).update(session=session, year=2025)
    type(d).objects.filter(pk=d.pk).update(year=2026)
    url = reverse("suggestions:public")

    def titles(**params):
        page = client.get(url, params).content.decode()
        return {t for t in (a.title, d.title) if t in page}

    assert titles(q="校车") == {d.title}  # the title
    assert titles(q="排水管网") == {a.title}  # the reply's text
    assert titles(q=flow.deputy.name) == {a.title, d.title}
    assert titles(session=session.pk) == {a.title}
    assert titles(year=2026) == {d.title}
    assert titles(category=flow.category.pk) == {a.title, d.title}
    assert titles(unit=flow.lead_unit.pk) == {a.title, d.title}
    assert titles(unit=flow.co_unit.pk) == set()  # the lead unit, not a co-handling one
    # Bad values are ignored, never a 500.
    for bad in ({"year": "²"}, {"unit": "9" * 30}, {"session": "x"}, {"page": "-1"}, {"q": "a\x00b" * 40}):
        assert client.get(url, bad).status_code == 200


def test_a_result_sent_back_for_another_round_leaves_the_public_page(flow, client):
    s = flow.to(State.IN_PROGRESS, title="关于幸福小区排水管网改造的建议")
    services.suggestion_reply(actor=flow.lead_clerk, suggestion=s, reply_class="A", text=A_REPLY, **LETTER)
    s = flow.refresh(s)
    services.suggestion_publish(actor=flow.office, suggestion=s, summary=A_REPLY)
    url = reverse("suggestions:public_result", args=[s.pk])
    assert client.get(url).status_code == 200
    services.suggestion_rate(
        actor=flow.deputy.user, suggestion=flow.refresh(s), result="unsatisfied", attitude=2, comment="不具体"
    )
    assert client.get(url).status_code == 404


def test_results_are_served_from_the_cache_and_never_stale(flow, client_for):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    a = _replied(flow, "关于幸福小区排水管网改造的建议", "A", A_REPLY)
    d = _replied(flow, "关于增开乡村校车线路的建议", "D", D_REPLY)
    services.suggestion_publish(actor=flow.office, suggestion=a, summary=A_REPLY)
    urls = [reverse("suggestions:public"), reverse("suggestions:public_result", args=[a.pk])]
    for url in urls:
        Client().get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert Client().get(url).status_code == 200
        assert len(ctx.captured_queries) == 0, url
    assert "校车" not in Client().get(urls[0]).content.decode()
    services.suggestion_publish(actor=flow.office, suggestion=d, summary=D_REPLY)  # publishing
    assert "校车" in Client().get(urls[0]).content.decode()
    services.suggestion_unpublish(actor=flow.office, suggestion=a)  # taken down
    assert "排水管网" not in Client().get(urls[0]).content.decode()
    assert Client().get(urls[1]).status_code == 404
