"""The statistics export keeps a formula-like unit or category name as text (issue 13.4)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from renda.suggestions.models import State

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


def test_the_statistics_export_keeps_formula_like_names_as_text(flow, client_for):
    flow.category.name = FORMULA
    flow.category.save()
    flow.lead_unit.name = FORMULA
    flow.lead_unit.save()
    flow.to(State.IN_PROGRESS)
    client = client_for(flow.office)
    for by in ("category", "unit"):
        response = client.get(reverse("suggestions:statistics"), {"by": by, "format": "xlsx"})
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert not [c for c in cells if c.data_type == "f"]
        name = sheet.cell(row=2, column=1)
        assert (name.value, name.data_type, name.quotePrefix) == (FORMULA, "s", True), by
        assert sheet.cell(row=2, column=2).data_type == "n"  # numbers stay numbers
