"""What each actor sees, the public figures, the counts for the performance archive."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from renda.liaison import selectors, services
from renda.liaison.models import Opinion

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(
    submit, other_station, other_town, deputy, other_deputy, manager, department, clerk, make_organisation
):
    """Opinions to the town station, to its deputy, to another station, and one referred elsewhere."""
    to_station = submit(phone="13800000001")
    to_deputy = submit(phone="13800000002", deputy=deputy, station=None)
    elsewhere = submit(phone="13800000003", station=other_station, town=other_town)
    to_other_deputy = submit(phone="13800000004", deputy=other_deputy, station=None, town=other_town)
    services.opinion_accept(actor=manager, opinion=to_station)
    services.opinion_refer(actor=manager, opinion=to_station, department=department)
    services.opinion_accept(actor=manager, opinion=elsewhere)
    services.opinion_refer(actor=manager, opinion=elsewhere, department=make_organisation())
    return {
        "station": to_station,
        "deputy": to_deputy,
        "elsewhere": elsewhere,
        "other_deputy": to_other_deputy,
    }


def visible(actor):
    return set(selectors.opinions_visible_to(actor=actor).values_list("pk", flat=True))


def test_a_department_sees_only_its_own_items(spread, clerk, other_clerk):
    assert visible(clerk) == {spread["station"].pk}
    assert visible(other_clerk) == set()


def test_a_deputy_sees_only_items_to_them_or_their_station(spread, deputy, other_deputy):
    assert visible(deputy.user) == {spread["station"].pk, spread["deputy"].pk}
    assert visible(other_deputy.user) == {spread["elsewhere"].pk, spread["other_deputy"].pk}


def test_station_staff_see_their_station_the_home_office_sees_all(spread, town_staff, manager):
    assert visible(town_staff) == {spread["station"].pk, spread["deputy"].pk}
    assert visible(manager) == {o.pk for o in spread.values()}


def test_citizens_and_strangers_have_no_inbox(spread, citizen_user, stranger_staff):
    for actor in (citizen_user, stranger_staff):
        with pytest.raises(PermissionDenied):
            selectors.opinions_visible_to(actor=actor)


def test_opinion_for_refuses_what_the_actor_may_not_see(spread, clerk):
    with pytest.raises(PermissionDenied):
        selectors.opinion_for(actor=clerk, pk=spread["deputy"].pk)
    assert selectors.opinion_for(actor=clerk, pk=spread["station"].pk) == spread["station"]


def test_station_statistics(submit, manager, station):
    answered = submit(phone="13800000001")
    late = submit(phone="13800000002")
    submit(phone="13800000003")
    for o in (answered, late):
        services.opinion_accept(actor=manager, opinion=o)
        services.opinion_handle_directly(actor=manager, opinion=o)
    services.opinion_answer(actor=manager, opinion=answered, answer="已处理完毕，感谢反映。")
    Opinion.objects.filter(pk=late.pk).update(deadline="2000-01-01")
    late.refresh_from_db()
    services.opinion_answer(actor=manager, opinion=late, answer="已处理完毕，感谢反映。")
    services.opinion_rate(opinion=answered, satisfaction="satisfied")
    stats = {s.station.pk: s for s in selectors.station_statistics()}[station.pk]
    assert (stats.received, stats.handled, stats.answered) == (3, 2, 2)
    assert stats.on_time_share == 50
    assert stats.satisfaction_share == 100
    assert stats.median_days == 0


def test_statistics_and_listing_cost_constant_queries(submit, manager, django_assert_max_num_queries):
    for i in range(8):
        o = submit(phone=f"1380000{i:04d}", consent_publish=True)
        services.opinion_accept(actor=manager, opinion=o)
        services.opinion_handle_directly(actor=manager, opinion=o)
        services.opinion_answer(actor=manager, opinion=o, answer="已处理完毕，感谢反映。")
        services.opinion_publish(
            actor=manager, opinion=o, public_content=o.public_content, public_answer=o.public_answer
        )
    with django_assert_max_num_queries(3):
        stats = selectors.station_statistics()
        rows = list(selectors.published_opinions())
        [r.station.name for r in rows]
    assert len(rows) == 8 and stats


def test_deputy_counts_for_the_performance_archive(submit, deputy, other_deputy, manager, station, today):
    import datetime as dt

    o = submit(deputy=deputy, station=None)
    submit(deputy=deputy, station=None, phone="13900000000", content="另一件事情：河道垃圾很多需要清理一下。")
    services.opinion_accept(actor=deputy.user, opinion=o)
    services.opinion_handle_directly(actor=deputy.user, opinion=o)
    services.opinion_answer(actor=deputy.user, opinion=o, answer="已联系镇政府处理，感谢。")
    services.reception_day_schedule(
        actor=manager,
        station=station,
        date=today + dt.timedelta(days=30),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
        deputies=[deputy],
    )
    counts = selectors.deputy_opinion_counts()
    assert counts[deputy.pk] == {"opinions": 2, "answered": 1, "answered_directly": 1, "reception_days": 1}
    assert other_deputy.pk not in counts


def test_followed_item_needs_code_and_last_four_digits(submit):
    opinion = submit()
    assert selectors.followed_item(code=opinion.code_display.lower(), phone_last4="5678") == opinion
    assert selectors.followed_item(code=opinion.code, phone_last4="0000") is None
    assert selectors.followed_item(code="ABCDEFGHJKMNPQ", phone_last4="5678") is None
    assert selectors.followed_item(code="", phone_last4="5678") is None
