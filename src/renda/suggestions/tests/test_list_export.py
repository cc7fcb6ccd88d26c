"""Excel export of the suggestion list (issue 15.14): the current filters, the person's scope,
columns a reader understands (names and labels, not codes; dates as dates)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from renda.suggestions import services
from renda.suggestions.models import State

pytestmark = pytest.mark.django_db


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _table(sheet) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[0]
    return [dict(zip(headers, row, strict=False)) for row in rows[1:] if row[0] is not None or row[1]]


def test_office_exports_the_filtered_list_with_names_and_dates(flow, client_for):
    draft = flow.draft(title="关于城关镇老旧小区加装电梯的建议")
    services.suggestion_cosign(actor=flow.cosigner.user, suggestion=draft)
    closed = flow.to(State.CLOSED, s=draft)
    flow.to(State.IN_PROGRESS, title="关于河口镇中心小学校门口交通安全的建议")
    client = client_for(flow.office)
    table = _table(_sheet(client.get(reverse("suggestions:list"), {"state": "closed", "format": "xlsx"})))
    assert [r["标题"] for r in table if r["标题"]] == [closed.title]
    row = table[0]
    with translation.override("zh-hans"):
        assert row["状态"] == str(State.CLOSED.label) != "closed"
    assert row["领衔代表"] == flow.deputy.name
    assert row["附议代表"] == flow.cosigner.name  # signed; one only invited is not named
    assert row["类别"] == flow.category.name
    assert row["主办单位"] == flow.lead_unit.name and row["协办单位"] == flow.co_unit.name
    assert str(row["答复类别"]).startswith("A") and row["代表评价"] == "满意"
    assert row["重点建议"] == "否"
    assert isinstance(row["提交日期"], dt.datetime) and isinstance(row["复函日期"], dt.datetime)
    assert row["建议编号"] == closed.number


def test_a_unit_exports_only_what_it_handles(flow, client_for, other_clerk):
    flow.to(State.IN_PROGRESS)
    mine = _table(_sheet(client_for(flow.lead_clerk).get(reverse("suggestions:list"), {"format": "xlsx"})))
    assert len([r for r in mine if r["标题"]]) == 1
    theirs = _table(_sheet(client_for(other_clerk).get(reverse("suggestions:list"), {"format": "xlsx"})))
    assert not [r for r in theirs if r["标题"]]


def test_the_export_link_carries_the_current_filters(flow, client_for):
    flow.to(State.IN_PROGRESS)
    html = client_for(flow.office).get(reverse("suggestions:list"), {"state": "in_progress", "q": "管网"})
    assert 'href="?state=in_progress&amp;q=%E7%AE%A1%E7%BD%91&amp;format=xlsx"' in html.content.decode()


def test_the_export_needs_a_sign_in(client):
    response = client.get(reverse("suggestions:list"), {"format": "xlsx"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_formula_like_title_stays_text(flow, client_for):
    flow.to(State.SUBMITTED, title='=HYPERLINK("http://x","y")')
    sheet = _sheet(client_for(flow.office).get(reverse("suggestions:list"), {"format": "xlsx"}))
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f"]
