"""Every accepted amount and date format parses exactly (hypothesis), and bad values are refused."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renda.budget.interface import (
    SPECS,
    BadValue,
    canonical_cell,
    parse_amount,
    parse_budget_type,
    parse_date,
    parse_month,
)

FULLWIDTH = str.maketrans("0123456789,.-()", "０１２３４５６７８９，．－（）")

fen = st.integers(min_value=-(10**15), max_value=10**15)


def plain(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def grouped(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100:,}.{cents % 100:02d}"


@given(fen)
def test_plain_amounts_parse_to_the_fen(cents):
    assert parse_amount(plain(cents)) == Decimal(cents) / 100


@given(fen)
def test_thousands_separators_parse_exactly(cents):
    assert parse_amount(grouped(cents)) == Decimal(cents) / 100


@given(fen)
def test_full_width_digits_parse_exactly(cents):
    assert parse_amount(grouped(cents).translate(FULLWIDTH)) == Decimal(cents) / 100


@given(fen)
def test_trailing_yuan_parses_exactly(cents):
    assert parse_amount(plain(cents) + "元") == Decimal(cents) / 100


@given(st.integers(min_value=0, max_value=10**15))
def test_parentheses_mean_negative(cents):
    assert parse_amount(f"({grouped(cents)})") == -Decimal(cents) / 100


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=1))
def test_one_decimal_or_none_parses(cents, style):
    whole = cents // 100
    text = f"{whole}" if style == 0 else f"{whole}.{(cents % 100) // 10}"
    expected = Decimal(whole) if style == 0 else Decimal(f"{whole}.{(cents % 100) // 10}")
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["1.234", "12,34.00", "abc", "", "1..2", "--5", "(-5)", "1e5", "NaN"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(BadValue):
        parse_amount(text)


def test_more_than_two_decimals_is_refused_with_a_chinese_reason():
    with pytest.raises(BadValue, match="两位小数"):
        parse_amount("10.005")


def test_spreadsheet_numbers_parse_exactly():
    assert parse_amount(1234.5) == Decimal("1234.50")
    assert parse_amount(7) == Decimal("7.00")
    with pytest.raises(BadValue):
        parse_amount(0.001)


dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@given(dates)
def test_iso_dates_parse(day):
    assert parse_date(day.isoformat()) == day


@given(dates)
def test_slash_dates_without_zeros_parse(day):
    assert parse_date(f"{day.year}/{day.month}/{day.day}") == day


@given(dates)
def test_compact_dates_parse(day):
    assert parse_date(day.strftime("%Y%m%d")) == day


@given(dates)
def test_chinese_dates_parse(day):
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day


@given(dates)
def test_full_width_chinese_dates_parse(day):
    assert parse_date(f"{day.year}年{day.month}月{day.day}日".translate(FULLWIDTH)) == day


@pytest.mark.parametrize("text", ["2025-02-30", "2025.3.1", "3/1/2025", "20251301", "昨天"])
def test_bad_dates_are_refused(text):
    with pytest.raises(BadValue):
        parse_date(text)


@pytest.mark.parametrize(
    "text,code",
    [
        ("一般公共预算", 1),
        ("政府性基金预算", 2),
        ("国有资本经营预算", 3),
        ("社会保险基金预算", 4),
        ("3", 3),
        ("４", 4),
    ],
)
def test_budget_type_by_name_or_code(text, code):
    assert parse_budget_type(text) == code


def test_unknown_budget_type_is_refused():
    with pytest.raises(BadValue):
        parse_budget_type("5")


@pytest.mark.parametrize("text", ["2025-03", "202503", "2025年3月", "3", "3月", "2025/3"])
def test_months_parse(text):
    assert parse_month(text, 2025) == 3


def test_month_of_another_year_is_refused():
    with pytest.raises(BadValue):
        parse_month("2024-03", 2025)


@pytest.mark.parametrize("value", [10**30, float("inf"), float("nan"), [1, 2], {"a": 1}, True])
def test_odd_json_values_are_refused_not_crashing(value):
    with pytest.raises(BadValue):
        parse_amount(value)
    with pytest.raises(BadValue):
        parse_date(value)


@given(st.one_of(st.text(), st.integers(), st.floats(), st.lists(st.integers()), st.none()))
def test_any_cell_either_parses_or_is_refused(value):
    import contextlib

    from renda.budget.interface import MONTH

    for column in SPECS["payments"] + SPECS["revenue"]:
        with contextlib.suppress(BadValue):  # anything else (TypeError …) fails the test
            parse_month(value, 2025) if column.parse is MONTH else column.parse(value)


# --- the import's fast path: a cell in canonical form means what its parser says ----------------

_CANONICAL_COLUMNS = {
    (column.parse, column.max_length): column
    for columns in SPECS.values()
    for column in columns
    if canonical_cell(column)
}


@pytest.mark.parametrize("column", list(_CANONICAL_COLUMNS.values()), ids=lambda c: c.name)
@given(data=st.data())
def test_a_canonical_cell_is_stored_as_its_parser_reads_it(column, data):
    pattern = canonical_cell(column)
    assert pattern is not None
    text = data.draw(st.from_regex(re.compile(pattern, re.ASCII), fullmatch=True))
    value = column.parse(text)
    if isinstance(value, Decimal):
        assert Decimal(text) == value
    elif isinstance(value, dt.date):
        assert dt.date.fromisoformat(text) == value
    elif isinstance(value, int):
        assert int(text) == value
    else:
        assert text == value
    assert not column.max_length or len(text) <= column.max_length


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_every_real_date_but_29_february_is_canonical(day):
    pattern = canonical_cell(next(c for c in SPECS["payments"] if c.name == "pay_date"))
    assert pattern is not None
    matches = re.fullmatch(pattern, day.isoformat()) is not None
    assert matches == ((day.month, day.day) != (2, 29))


@pytest.mark.parametrize("text", ["2025-02-30", "2025-04-31", "0000-01-01", "2025-13-01", "2025-1-01"])
def test_impossible_dates_are_not_canonical(text):
    pattern = canonical_cell(next(c for c in SPECS["payments"] if c.name == "pay_date"))
    assert pattern is not None
    assert re.fullmatch(pattern, text) is None
