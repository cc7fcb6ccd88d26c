"""The deputy to write to (issue 15.11): a searchable list that follows the chosen town and station."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _option(page: str, select_name: str, value: int) -> str:
    select = page[page.index(f'name="{select_name}"') :]
    select = select[: select.index("</select>")]
    found = re.search(rf'<option value="{value}"[^>]*>', select)
    assert found is not None
    return found[0]


def test_the_deputy_list_is_searchable_and_follows_town_and_station(
    deputy, other_deputy, station, other_station
):
    page = Client().get(reverse("liaison:write")).content.decode()
    deputy_select = page[page.index('name="deputy"') - 300 : page.index('name="deputy"') + 300]
    assert (
        "data-filter=" in deputy_select and 'data-follow="id_town:towns id_station:stations"' in deputy_select
    )
    mine = _option(page, "deputy", deputy.pk)
    theirs = _option(page, "deputy", other_deputy.pk)
    assert f'data-stations="{station.pk}"' in mine and f'data-towns="{station.region_id}"' in mine
    assert (
        f'data-stations="{other_station.pk}"' in theirs
        and f'data-towns="{other_station.region_id}"' in theirs
    )
    assert f'data-towns="{station.region_id}"' in _option(page, "station", station.pk)


def test_long_suggestion_choices_are_searchable():
    from renda.suggestions.forms import AssignForm, MergeForm, ReassignForm, SuggestionForm

    rendered = [
        str(SuggestionForm()["cosigners"]),
        str(MergeForm()["into"]),
        str(AssignForm()["lead"]),
        str(AssignForm()["co_units"]),
        str(ReassignForm(targets=[])["unit"]),
    ]
    assert all("data-filter=" in html for html in rendered)
