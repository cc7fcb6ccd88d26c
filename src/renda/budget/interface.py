"""数据接口规范 (docs/data-interface.md) in code: the columns of each kind, and how values parse.

Every parser here returns the value or raises :class:`BadValue` with a Chinese reason. The
parsers are exact: amounts become ``Decimal`` to the fen (never float), dates ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

from renda.budget.models import BUDGET_TYPE_NAMES
from renda.core.words import Words, chinese, listing, say

KINDS = ("units", "indicators", "payments", "revenue", "debt", "classification")


class BadValue(ValueError):
    """A cell that does not parse; ``str(exc)`` is the reason in Chinese (the data interface's
    answer), ``words`` the reason for each reader's language (:mod:`renda.core.words`)."""

    def __init__(self, words: Words):
        super().__init__(chinese(words))
        self.words = words


# Full-width digits and punctuation (全角) to their ASCII forms.
_FULLWIDTH = {ord("０") + i: ord("0") + i for i in range(10)}
_FULLWIDTH.update(
    {
        ord("，"): ord(","),
        ord("．"): ord("."),
        ord("－"): ord("-"),
        ord("（"): ord("("),
        ord("）"): ord(")"),
        ord("＋"): ord("+"),
        ord("／"): ord("/"),
        ord("−"): ord("-"),
        ord("　"): ord(" "),
    }
)

_PLAIN_AMOUNT = re.compile(r"-?\d{1,16}(?:\.\d{1,2})?\Z")
_AMOUNT = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d*))?\Z")
MAX_AMOUNT = Decimal("9999999999999999.99")  # numeric(18, 2): what a stored amount can hold


def normalise(text: str) -> str:
    """Full-width characters to ASCII and no surrounding white space."""
    if text.isascii():
        return text.strip()
    return text.translate(_FULLWIDTH).strip()


def parse_amount(value: Any) -> Decimal:
    """金额: ``1,234.50``, ``１２３４.５``, ``1234元``, ``-12.30``, ``(12.30)`` → exact ``Decimal``."""
    if isinstance(value, Decimal):
        return _check_amount(value)
    if isinstance(value, bool):
        raise BadValue(say(gettext_noop("Not an amount")))
    if isinstance(value, int):
        return _check_amount(Decimal(value))
    if isinstance(value, float):  # a spreadsheet number: its shortest decimal form
        return _check_amount(Decimal(repr(value)))
    text = str(value).strip()
    if _PLAIN_AMOUNT.match(text):
        return Decimal(text)
    text = normalise(text).replace(" ", "")
    if text.endswith("元"):
        text = text[:-1]
    text = text.lstrip("¥￥")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith("-"):
        if negative:
            raise BadValue(say(gettext_noop("Not an amount")))
        negative, text = True, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    text = text.lstrip("¥￥")
    match = _AMOUNT.match(text)
    if not match:
        raise BadValue(say(gettext_noop("Not an amount")))
    frac = match.group("frac") or ""
    if len(frac.rstrip("0")) > 2:
        raise BadValue(say(gettext_noop("An amount has at most two decimal places (fen)")))
    amount = Decimal(match.group("int").replace(",", "") + "." + (frac[:2] or "0"))
    return _check_amount(-amount if negative else amount)


def _check_amount(amount: Decimal) -> Decimal:
    if not amount.is_finite():
        raise BadValue(say(gettext_noop("Not an amount")))
    if abs(amount) > MAX_AMOUNT:
        raise BadValue(say(gettext_noop("The amount is out of range")))
    if amount != amount.quantize(Decimal("0.01")):
        raise BadValue(say(gettext_noop("An amount has at most two decimal places (fen)")))
    return amount.quantize(Decimal("0.01"))


_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\Z"),
    re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})\Z"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})\Z"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日\Z"),
)


def parse_date(value: Any) -> dt.date:
    """日期: ``2025-03-01``, ``2025/3/1``, ``20250301``, ``2025年3月1日`` (or a spreadsheet date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalise(str(value))
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the common case, fast
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise BadValue(say(gettext_noop("No such date"))) from None
    raise BadValue(
        say(
            gettext_noop("Not a date (write 2025-03-01, 2025/3/1, 20250301 or %(written)s)"),
            written="2025年3月1日",  # a date as written in Chinese: an accepted form of the input
        )
    )


_MONTH_PATTERNS = (
    re.compile(r"(?P<y>\d{4})[-/](?P<m>\d{1,2})\Z"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})\Z"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月\Z"),
    re.compile(r"(?P<m>\d{1,2})月?\Z"),
)


def _whole(number: int | float) -> bool:
    """An XLSX cell's number that is a whole number (months and codes arrive as 3 or 3.0)."""
    return isinstance(number, int) or number.is_integer()


def parse_month(value: Any, year: int) -> int:
    """月份: ``2025-03``, ``202503``, ``2025年3月``, ``3`` or ``3月`` → 3 (within the fiscal year)."""
    if isinstance(value, dt.date):
        if value.year != year:
            raise BadValue(say(gettext_noop("The month is not in the fiscal year %(year)s"), year=str(year)))
        return value.month
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value)) if _whole(value) else str(value)
    text = normalise(str(value))
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            if "y" in match.groupdict() and match["y"] and int(match["y"]) != year:
                raise BadValue(
                    say(gettext_noop("The month is not in the fiscal year %(year)s"), year=str(year))
                )
            month = int(match["m"])
            if 1 <= month <= 12:
                return month
            break
    raise BadValue(
        say(
            gettext_noop("Not a month (write 2025-03, 202503, %(written)s or 1–12)"),
            written="2025年3月",  # a month as written in Chinese: an accepted form of the input
        )
    )


_BUDGET_TYPE_FAST = {"1": 1, "2": 2, "3": 3, "4": 4, **BUDGET_TYPE_NAMES}


def parse_budget_type(value: Any) -> int:
    """预算类型: by name (一般公共预算 …) or code 1–4."""
    if type(value) is str and value in _BUDGET_TYPE_FAST:
        return _BUDGET_TYPE_FAST[value]
    if isinstance(value, int | float) and not isinstance(value, bool) and _whole(value):
        value = str(int(value))
    text = normalise(str(value))
    if text in {"1", "2", "3", "4"}:
        return int(text)
    if text in BUDGET_TYPE_NAMES:
        return BUDGET_TYPE_NAMES[text]
    raise BadValue(
        say(gettext_noop("The budget type must be %(names)s or a code 1–4"), names=listing(BUDGET_TYPE_NAMES))
    )


_PLAIN_CODE = re.compile(r"[0-9A-Za-z_./-]+\Z")


def parse_code(value: Any) -> str:
    """A code (编码): text as given; leading zeros matter. A spreadsheet integer is read as its digits."""
    if type(value) is str and _PLAIN_CODE.match(value):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise(str(value))
    if any(ch.isspace() for ch in text):
        raise BadValue(say(gettext_noop("A code cannot contain spaces")))
    return text


_FUNCTION_CODE = re.compile(r"\d{3}(?:\d{2}){0,2}\Z")
_ECON_CODE = re.compile(r"\d{3}(?:\d{2})?\Z")


def parse_function_code(value: Any) -> str:
    if type(value) is str and _FUNCTION_CODE.match(value):
        return value
    code = parse_code(value)
    if not _FUNCTION_CODE.match(code):
        raise BadValue(
            say(gettext_noop("A functional classification code has 3, 5 or 7 digits (class/section/item)"))
        )
    return code


def parse_econ_code(value: Any) -> str:
    if type(value) is str and _ECON_CODE.match(value):
        return value
    code = parse_code(value)
    if not _ECON_CODE.match(code):
        raise BadValue(say(gettext_noop("An economic classification code has 3 or 5 digits")))
    return code


def parse_text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def choice(*allowed: str):
    allowed_set = frozenset(allowed)

    def parse(value: Any) -> str:
        if type(value) is str and value in allowed_set:
            return value
        text = normalise(str(value))
        if text not in allowed:
            raise BadValue(say(gettext_noop("Must be one of %(choices)s"), choices=listing(allowed)))
        return text

    parse.canonical = "(?:" + "|".join(map(re.escape, allowed)) + ")"  # type: ignore[attr-defined]
    return parse


def parse_scheme(value: Any) -> str:
    text = normalise(str(value))
    aliases = {"功能分类": "function", "政府经济分类": "econ_gov", "部门经济分类": "econ_dept"}
    text = aliases.get(text, text)
    if text not in {"function", "econ_gov", "econ_dept"}:
        raise BadValue(say(gettext_noop("The classification scheme must be function, econ_gov or econ_dept")))
    return text


def parse_level(value: Any) -> str:
    return parse_text(value)


@dataclass(frozen=True)
class Column:
    name: str  # English name
    header: str  # Chinese header
    parse: Any  # callable(value) -> value; month columns take the year as well
    required: bool = True
    max_length: int = 0
    sql_type: str = "text"  # text | money | date | int

    def __post_init__(self) -> None:
        pass


def _col(name, header, parse, required=True, max_length=0, sql_type="text") -> Column:
    return Column(name, header, parse, required, max_length, sql_type)


MONTH = object()  # marker: the month parser, which needs the fiscal year

SPECS: dict[str, tuple[Column, ...]] = {
    "units": (
        _col("unit_code", "单位编码", parse_code, max_length=30),
        _col("unit_name", "单位名称", parse_text, max_length=120),
        _col("parent_code", "上级单位编码", parse_code, required=False, max_length=30),
        _col("unit_kind", "单位类型", parse_text, required=False, max_length=30),
    ),
    "indicators": (
        _col("indicator_no", "指标编号", parse_code, max_length=40),
        _col("unit_code", "单位编码", parse_code, max_length=30),
        _col("function_code", "功能分类编码", parse_function_code),
        _col("econ_code", "经济分类编码", parse_econ_code, required=False),
        _col("budget_type", "预算类型", parse_budget_type, sql_type="int"),
        _col("project_code", "项目编码", parse_code, required=False, max_length=40),
        _col("project_name", "项目名称", parse_text, required=False, max_length=200),
        _col("fund_source", "资金来源", parse_text, required=False, max_length=60),
        _col("original_amount", "年初预算数", parse_amount, sql_type="money"),
        _col("adjusted_amount", "调整数", parse_amount, required=False, sql_type="money"),
        _col("issued_date", "下达日期", parse_date, required=False, sql_type="date"),
        _col("adjust_date", "调整日期", parse_date, required=False, sql_type="date"),
        _col("adjust_document", "调整文号", parse_text, required=False, max_length=120),
    ),
    "payments": (
        _col("voucher_no", "支付凭证号", parse_code, max_length=40),
        _col("pay_date", "支付日期", parse_date, sql_type="date"),
        _col("unit_code", "单位编码", parse_code, max_length=30),
        _col("function_code", "功能分类编码", parse_function_code),
        _col("econ_code", "经济分类编码", parse_econ_code, required=False),
        _col("budget_type", "预算类型", parse_budget_type, sql_type="int"),
        _col("project_code", "项目编码", parse_code, required=False, max_length=40),
        _col("indicator_no", "指标编号", parse_code, required=False, max_length=40),
        _col("payee_name", "收款人名称", parse_text, required=False, max_length=200),
        _col("payee_account", "收款人账号", parse_code, required=False, max_length=64),
        _col("payee_type", "收款人类型", choice("单位", "个人"), required=False),
        _col("amount", "支付金额", parse_amount, sql_type="money"),
        _col("pay_method", "支付方式", choice("直接支付", "授权支付"), required=False),
        _col("purpose", "用途", parse_text, required=False, max_length=300),
    ),
    "revenue": (
        _col("month", "月份", MONTH, sql_type="int"),
        _col("item_code", "收入科目编码", parse_code, max_length=12),
        _col("item_name", "收入科目名称", parse_text, required=False, max_length=100),
        _col("budget_type", "预算类型", parse_budget_type, sql_type="int"),
        _col("amount", "金额", parse_amount, sql_type="money"),
        _col("budget_amount", "年度预算数", parse_amount, required=False, sql_type="money"),
    ),
    "debt": (
        _col("month", "月份", MONTH, sql_type="int"),
        _col("debt_type", "债务类型", choice("一般债务", "专项债务")),
        _col("limit_amount", "限额", parse_amount, sql_type="money"),
        _col("balance", "余额", parse_amount, sql_type="money"),
    ),
    "classification": (
        _col("scheme", "分类方案", parse_scheme),
        _col("code", "编码", parse_code, max_length=12),
        _col("name", "名称", parse_text, max_length=100),
        _col("parent_code", "上级编码", parse_code, required=False, max_length=12),
        _col("level", "级次", parse_level, required=False),
    ),
}


# --- canonical cells: the import's fast path --------------------------------------------------

# A real date, written YYYY-MM-DD (29 February is left to the parser, which knows leap years).
_CANONICAL_DATE = (
    r"[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_CANONICAL_CELLS: dict[Any, str] = {
    parse_function_code: r"[0-9]{3}(?:[0-9]{2}){0,2}",
    parse_econ_code: r"[0-9]{3}(?:[0-9]{2})?",
    parse_budget_type: r"[1-4]",
    parse_amount: r"-?[0-9]{1,16}\.[0-9]{2}",
    parse_date: _CANONICAL_DATE,
}


def canonical_cell(column: Column) -> str | None:
    """A regular expression for the cells of ``column`` that are already in the form the import
    stores — the plain form a finance system writes (``1234.50``, ``2025-03-01``, ``1``, a code of
    letters and digits). For such a cell the parser's result, written as text
    (:func:`canonical_text`), is the cell itself, so the import checks a whole column at once
    against this pattern and parses one by one only the cells that do not match it. ``None``: no
    such form; every cell is parsed. Empty cells never match (they are required or not)."""
    if column.parse is parse_code:
        repeat = f"{{1,{column.max_length}}}" if column.max_length else "+"
        return f"[0-9A-Za-z_./-]{repeat}"
    # a choice (``choice(...)``) is canonical when the cell is one of its values exactly
    return _CANONICAL_CELLS.get(column.parse) or getattr(column.parse, "canonical", None)


def canonical_text(value: Any) -> str:
    """A parsed value as the text the import stages: ``Decimal`` to the fen (``1234.50``), a date
    as ``2025-03-01``, a number as its digits."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def header_map(kind: str) -> dict[str, Column]:
    """Every accepted header (English name or Chinese header, case-insensitive) → its column."""
    mapping: dict[str, Column] = {}
    for column in SPECS[kind]:
        mapping[column.name.lower()] = column
        mapping[column.header] = column
    return mapping


def match_header(kind: str, header: Any) -> Column | None:
    text = normalise(str(header or "")).lstrip("\ufeff").strip()
    mapping = header_map(kind)
    return mapping.get(text) or mapping.get(text.lower())
