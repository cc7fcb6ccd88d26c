"""Fiscal Data Packages in the mapping form (财政数据包, FDP 0.3 of 2016, as openspending publishes).

A package's ``model`` (``mapping`` in drafts before 0.3.0-alpha9) names **measures** (amount
columns: ``source``, ``currency``, ``factor``, ``phase``) and **dimensions** (``attributes`` each
with a ``source`` column or a ``constant``, a ``primaryKey``, a ``dimensionType`` — datetime,
entity, classification, activity, location, fact, other — and for classifications a
``classificationType``: administrative, functional, economic). Attributes may name a ``parent``
(a level above in a hierarchy) or be a label (``labelfor``) of another attribute.

:func:`read_package` infers how each measure and dimension maps onto the fields of the data
interface (administrative → unit, functional or activity → functional class, economic → economic
class, datetime → dates and the year, entity payee/supplier → payee, activity → project, fact →
voucher or indicator number), takes what cannot be inferred from an explicit mapping file, and
gives back a :class:`Package`: its inferred mapping described in Chinese, the labels of units and
classification items the package carries (:meth:`Package.labels`), and the rows of one fiscal year
transformed into the interface's fields (:meth:`Package.table`), with their lines in the data file.
The import engine checks those rows like any other file's.

A package may hold several data resources (one file per year or per department, or a resource in
parts: ``path`` a list). Every resource the mapping covers is read, one after the other: those the
measures or attributes name (``resource``), or, when none is named, every tabular resource whose
schema holds the columns the mapping reads; the others are listed as not read. Lines run on from
one file to the next inside the engine; :meth:`Package.locate_errors` gives each error back its
file and its line in that file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext, pgettext, pgettext_lazy

from renda.budget import interface
from renda.budget.import_engine.sources import Table, UnreadableFile, open_table
from renda.budget.models import BudgetType

# What a dimension becomes (its role), named for the printed mapping.
ROLE_NAMES = {
    "unit": pgettext_lazy("fdp role", "budget unit"),
    "function": pgettext_lazy("fdp role", "functional classification"),
    "econ": pgettext_lazy("fdp role", "economic classification"),
    "project": pgettext_lazy("fdp role", "project"),
    "payee": pgettext_lazy("fdp role", "payee"),
    "date": pgettext_lazy("fdp role", "date and year"),
    "voucher": pgettext_lazy("fdp role", "payment voucher number"),
    "indicator": pgettext_lazy("fdp role", "indicator number"),
    "budget_type": pgettext_lazy("fdp role", "budget type"),
    "fund_source": pgettext_lazy("fdp role", "fund source"),
    "ignore": pgettext_lazy("fdp role", "not imported"),
}
DIMENSION_TYPE_NAMES = {
    "datetime": pgettext_lazy("fdp dimension type", "time"),
    "entity": pgettext_lazy("fdp dimension type", "entity"),
    "classification": pgettext_lazy("fdp dimension type", "classification"),
    "activity": pgettext_lazy("fdp dimension type", "activity/project"),
    "location": pgettext_lazy("fdp dimension type", "location"),
    "fact": pgettext_lazy("fdp dimension type", "fact/number"),
    "other": pgettext_lazy("fdp dimension type", "other"),
}
CLASSIFICATION_TYPE_NAMES = {
    "administrative": pgettext_lazy("fdp classification type", "administrative"),
    "functional": pgettext_lazy("fdp classification type", "functional"),
    "economic": pgettext_lazy("fdp classification type", "economic"),
    "activity": pgettext_lazy("fdp classification type", "activity"),
}
MAPPING_KINDS = ("indicators", "payments", "revenue")
INDICATOR_NO_MAX = 40
PAYEE_WORDS = ("payee", "supplier", "recipient", "beneficiary", "vendor", "收款")
UNIT_WORDS = ("administrat", "payer", "department", "unit", "spender", "单位", "部门")
VOUCHER_WORDS = ("transaction", "voucher", "payment-id", "凭证", "交易")
INDICATOR_WORDS = ("budget-line", "budgetline", "line-item", "lineitem", "指标")
BUDGET_TYPE_WORDS = ("budget-type", "budget_type", "budgettype", "预算类型")
FUND_WORDS = ("fund", "account", "资金来源")
ACCOUNT_WORDS = ("account", "iban", "账号", "帐号")
YEAR_KEYS = {"year", "fiscal_year", "fiscalyear", "fiscal-year", "年度", "年"}
MONTH_KEYS = {"month", "月份", "月"}
DAY_KEYS = {"day", "日"}
CURRENCIES = {"CNY", "RMB", "人民币", ""}


def _lower(text: str) -> str:
    return text.lower().replace("_", "-").replace(" ", "-")


@dataclass
class Attribute:
    key: str
    source: str = ""  # the data file's column
    constant: Any = None
    labelfor: str = ""
    parent: str = ""

    def value(self, cells: dict[str, Any]) -> Any:
        if self.source:
            return cells.get(self.source, "")
        return "" if self.constant is None else self.constant


@dataclass
class Dimension:
    name: str
    dimension_type: str
    classification_type: str
    attributes: dict[str, Attribute]
    primary_key: list[str]
    role: str = "ignore"
    why: str = ""

    @property
    def chain(self) -> list[Attribute]:
        """The code attributes from the top level down to the dimension's own code: the primary
        key (ordered by ``parent`` where given, else as listed), preceded by its ``parent``s."""
        keys = [k for k in self.primary_key if k in self.attributes]
        if not keys:
            keys = [k for k, a in self.attributes.items() if not a.labelfor][:1]
        if len(keys) > 1 and any(self.attributes[k].parent in keys for k in keys):
            ordered: list[str] = [next(k for k in keys if self.attributes[k].parent not in keys)]
            while len(ordered) < len(keys):
                child = next((k for k in keys if self.attributes[k].parent == ordered[-1]), None)
                if child is None:
                    ordered.extend(k for k in keys if k not in ordered)
                    break
                ordered.append(child)
            keys = ordered
        seen = set(keys)
        parent = self.attributes[keys[0]].parent if keys else ""
        while parent and parent in self.attributes and parent not in seen:
            keys.insert(0, parent)
            seen.add(parent)
            parent = self.attributes[parent].parent
        return [self.attributes[k] for k in keys]

    def label_of(self, key: str) -> Attribute | None:
        return next((a for a in self.attributes.values() if a.labelfor == key), None)

    def attribute_named(self, words: tuple[str, ...] | set[str], exact: bool = False) -> Attribute | None:
        for attribute in self.attributes.values():
            name = _lower(attribute.key)
            if (name in words) if exact else any(w in name for w in words):
                return attribute
        return None


@dataclass
class Measure:
    name: str
    source: str
    factor: Decimal
    currency: str
    phase: str
    target: str = ""


@dataclass
class Labels:
    """Names the package gives: units ``{code: (name, parent)}`` and classification items
    ``{(scheme, code): name}`` of the rows of the year."""

    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    items: dict[tuple[str, str], str] = field(default_factory=dict)
    rows: int = 0
    other_years: dict[int, int] = field(default_factory=dict)


@dataclass
class Package:
    """A package in the mapping form, its mapping inferred for one kind and fiscal year."""

    kind: str
    year: int
    descriptor: Path
    data: Path  # the first data file (a package of one resource: its only one)
    title: str
    measures: list[Measure]
    dimensions: list[Dimension]
    direct: dict[str, str]  # our field → a source column (the mapping file's ``fields``)
    constants: dict[str, Any]
    budget_type: str
    budget_type_origin: str
    derived: list[str] = field(default_factory=list)  # our fields derived (indicator, voucher)
    notes: list[str] = field(default_factory=list)
    # every data file read, in order: (the resource's name, the file)
    files: list[tuple[str, Path]] = field(default_factory=list)
    # where each file's lines start in the run of lines (the first file: 0, its own numbers)
    offsets: list[tuple[int, Path]] = field(default_factory=list)

    # -- reading ----------------------------------------------------------------------------------

    def _rows(self) -> Generator[tuple[int, dict[str, Any], int | None]]:
        """``(line, cells by column, the row's year or None)`` of every row of the data files, the
        lines of each file after the last line of the one before (see :meth:`locate`)."""
        files = self.files or [("", self.data)]
        date = self.role_dimension("date")
        offsets: list[tuple[int, Path]] = []
        offset = 0
        for _name, data in files:
            offsets.append((offset, data))
            self.offsets = list(offsets)
            table = open_table(data)
            last = 1
            try:
                headers = [str(h or "").strip().lstrip("\ufeff") for h in table.headers]
                missing = sorted(self._sources() - set(headers))
                if missing:
                    where = self._file_name(data)
                    raise _missing_fields(self.descriptor.name, where, missing)
                for line, cells in table.rows:
                    last = line
                    row = dict(zip(headers, cells, strict=False))
                    year = _date_parts(date, row)[0] if date else None
                    yield offset + line, row, year
            finally:
                table.close()
            offset += last

    def _file_name(self, data: Path) -> str:
        """A data file as the package names it (its path inside the package)."""
        try:
            return data.relative_to(self.descriptor.parent.resolve()).as_posix()
        except ValueError:
            return data.name

    def locate(self, line: int) -> tuple[str, int]:
        """A line of the run of lines → (the data file, its line in that file)."""
        offsets = self.offsets or [(0, self.data)]
        start, data = offsets[0]
        for offset, path in offsets:
            if offset < line:
                start, data = offset, path
        return self._file_name(data), line - start

    def locate_errors(self, errors: list[dict[str, Any]]) -> None:
        """Errors of a package of several files: each names its file and its line in that file."""
        if len(self.files) < 2:
            return
        for error in errors:
            line = error.get("line")
            if not isinstance(line, int) or line < 1:
                continue
            name, error["line"] = self.locate(line)
            column = str(error.get("column") or "")
            error["column"] = gettext("%(file)s: %(column)s") % {"file": name, "column": column}

    def _sources(self) -> set[str]:
        found = {m.source for m in self.measures if m.target}
        for dimension in self.dimensions:
            if dimension.role != "ignore":
                found.update(a.source for a in dimension.attributes.values() if a.source)
        found.update(self.direct.values())
        return found

    def labels(self) -> Labels:
        """First pass over the data file: the units and classification items it names (with
        labels), and how many rows fall in the year and in others."""
        labels = Labels()
        unit, function, econ = (self.role_dimension(r) for r in ("unit", "function", "econ"))
        schemes = [(function, "function"), (econ, "econ_dept" if self.kind != "revenue" else "")]
        for _line, row, year in self._rows():
            if year is not None and year != self.year:
                labels.other_years[year] = labels.other_years.get(year, 0) + 1
                continue
            labels.rows += 1
            if unit is not None:
                parent = ""
                for attribute in unit.chain:
                    code = interface.normalise(str(attribute.value(row)))
                    label = unit.label_of(attribute.key)
                    name = interface.normalise(str(label.value(row))) if label else ""
                    if code and name and code not in labels.units:
                        labels.units[code] = (name, parent)
                    parent = code or parent
            for dimension, scheme in schemes:
                if dimension is None or not scheme:
                    continue
                for code, name in _class_codes(dimension, row):
                    if name:
                        labels.items.setdefault((scheme, code), name)
        return labels

    def headers(self) -> list[str]:
        return list(self._getters())

    def table(self) -> Table:
        """Second pass: the rows of the year as the interface's fields (other years skipped)."""
        getters = self._getters()
        rows = self._rows()
        seen: dict[str, int] = {}
        state = {"closed": False}

        def iterate() -> Iterator[tuple[int, list[Any]]]:
            for line, row, year in rows:
                if year is not None and year != self.year:
                    continue
                cells = {name: get(row) for name, get in getters.items()}
                if "voucher_no" in self.derived:
                    digest = _digest([cells.get(k, "") for k in sorted(cells) if k != "voucher_no"])
                    seen[digest] = seen.get(digest, 0) + 1
                    n = seen[digest]
                    cells["voucher_no"] = f"FDP-{digest}" + (f"-{n}" if n > 1 else "")
                yield line, list(cells.values())

        def close() -> None:
            if not state["closed"]:
                state["closed"] = True
                rows.close()

        return Table(list(getters), iterate(), close=close)

    def column_labels(self) -> dict[str, str]:
        """Our field → where it comes from in the package (for the errors: file and field)."""
        out: dict[str, str] = {}
        # several files: the file is added to each error by :meth:`locate_errors`
        single = len(self.files) < 2
        data = self._file_name(self.data)
        for name, source in self._field_sources().items():
            if single:
                out[name] = (
                    gettext("field “%(source)s” of %(data)s") % {"source": source, "data": data}
                    if source
                    else f"{data}{pgettext('opening bracket', ' (')}{name}{pgettext('closing bracket', ')')}"
                )
            else:
                out[name] = (
                    gettext("field “%(source)s”") % {"source": source}
                    if source
                    else gettext("field (%(name)s)") % {"name": name}
                )
        return out

    # -- the mapping -------------------------------------------------------------------------------

    def role_dimension(self, role: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.role == role), None)

    def _field_sources(self) -> dict[str, str]:
        """Our field → the source column(s) it is read from, for messages."""
        out: dict[str, str] = {}
        for measure in self.measures:
            if measure.target:
                out[measure.target] = measure.source
        for name, (dimension, attribute) in self._dimension_fields().items():
            out[name] = attribute.source if attribute is not None else dimension.name
        if "indicator_no" in self.derived:
            keys = self._key_dimensions()
            out["indicator_no"] = "+".join(a.source for d in keys for a in d.chain if a.source)
        if "voucher_no" in self.derived:
            out["voucher_no"] = gettext("(computed from the values of the fields)")
        out.update(self.direct)
        return out

    def _dimension_fields(self) -> dict[str, tuple[Dimension, Attribute | None]]:
        """Our fields read from a dimension, with the attribute read (None: the whole chain)."""
        kind = self.kind
        out: dict[str, tuple[Dimension, Attribute | None]] = {}
        for dimension in self.dimensions:
            role = dimension.role
            chain = dimension.chain
            last = chain[-1] if chain else None
            if role == "unit" and kind != "revenue":
                out["unit_code"] = (dimension, last)
            elif role == "function" and kind != "revenue":
                out["function_code"] = (dimension, None)
            elif role == "econ":
                if kind == "revenue":
                    out["item_code"] = (dimension, None)
                    label = dimension.label_of(last.key) if last else None
                    if label is not None:
                        out["item_name"] = (dimension, label)
                else:
                    out["econ_code"] = (dimension, None)
            elif role == "project" and kind != "revenue":
                out["project_code"] = (dimension, None)
                label = dimension.label_of(last.key) if last else None
                if label is not None and kind == "indicators":
                    out["project_name"] = (dimension, label)
            elif role == "payee" and kind == "payments":
                label = dimension.label_of(last.key) if last else None
                out["payee_name"] = (dimension, label or last)
                account = dimension.attribute_named(ACCOUNT_WORDS)
                if account is not None and account is not (label or last):
                    out["payee_account"] = (dimension, account)
            elif role == "voucher" and kind == "payments":
                out["voucher_no"] = (dimension, None)
            elif role == "indicator" and kind in {"payments", "indicators"}:
                out["indicator_no"] = (dimension, None)
            elif role == "budget_type":
                out["budget_type"] = (dimension, last)
            elif role == "fund_source" and kind == "indicators":
                label = dimension.label_of(last.key) if last else None
                out["fund_source"] = (dimension, label or last)
            elif role == "date":
                target = {"payments": "pay_date", "indicators": "issued_date", "revenue": "month"}[kind]
                out[target] = (dimension, None)
        return out

    def _key_dimensions(self) -> list[Dimension]:
        """The dimensions an indicator number is derived from (their codes, in model order)."""
        return [
            d for d in self.dimensions if d.role in {"unit", "function", "econ", "project", "fund_source"}
        ]

    def _getters(self) -> dict[str, Any]:
        """Our field → a function of the row's cells giving the field's cell."""
        getters: dict[str, Any] = {}
        for measure in self.measures:
            if measure.target == "adjusted_amount":
                base = next((m for m in self.measures if m.target == "original_amount"), None)
                getters["adjusted_amount"] = _difference(measure, base)
            elif measure.target:
                getters[measure.target] = _amount(measure)
        for name, (dimension, attribute) in self._dimension_fields().items():
            if dimension.role == "date":
                getters[name] = _date_getter(dimension, name)
            elif attribute is None and dimension.role in {"function", "econ"}:
                getters[name] = _class_getter(dimension)
            elif attribute is None:
                getters[name] = _joined_getter(dimension)
            else:
                getters[name] = _attribute_getter(attribute)
        if "indicator_no" in self.derived:
            getters["indicator_no"] = _indicator_getter(self._key_dimensions())
        if "voucher_no" in self.derived:
            getters["voucher_no"] = lambda row: ""
        for name, source in self.direct.items():
            getters[name] = _column_getter(source)
        for name, value in self.constants.items():
            getters[name] = _constant(value)
        if "budget_type" not in getters and self.kind in {"indicators", "payments", "revenue"}:
            getters["budget_type"] = _constant(self.budget_type)
        return getters

    def describe(self) -> list[str]:
        """The inferred mapping, in Chinese, one line each (``budget_import --dry-run`` prints it)."""
        comma = pgettext("clause comma", ", ")
        files = pgettext("list separator", ", ").join(self._file_name(p) for _n, p in self.files)
        lines = [
            gettext("Package: %(title)s (%(file)s), data file %(data)s")
            % {
                "title": self.title,
                "file": self.descriptor.name,
                "data": files or self._file_name(self.data),
            },
            gettext("Measures (amounts):"),
        ]
        for m in self.measures:
            extra = comma.join(
                x
                for x in (
                    gettext("currency %(currency)s") % {"currency": m.currency} if m.currency else "",
                    gettext("times %(factor)s") % {"factor": f"{m.factor:,}"} if m.factor != 1 else "",
                    gettext("phase %(phase)s") % {"phase": m.phase} if m.phase else "",
                )
                if x
            )
            extra = (
                f"{pgettext('opening bracket', ' (')}{extra}{pgettext('closing bracket', ')')}"
                if extra
                else ""
            )
            target = _field_name(m.target, self.kind) if m.target else str(ROLE_NAMES["ignore"])
            lines.append(
                "  "
                + gettext("“%(name)s”: field “%(source)s”%(extra)s → %(target)s")
                % {"name": m.name, "source": m.source, "extra": extra, "target": target}
            )
        lines.append(gettext("Dimensions:"))
        fields = self._dimension_fields()
        for d in self.dimensions:
            kind = str(
                DIMENSION_TYPE_NAMES.get(d.dimension_type, d.dimension_type or gettext("type not given"))
            )
            if d.classification_type:
                kind += "·" + str(CLASSIFICATION_TYPE_NAMES.get(d.classification_type, d.classification_type))
            targets = [name for name, (dim, _a) in fields.items() if dim is d]
            if d.role == "ignore" or not targets:
                why = (pgettext("label colon", ": ") + d.why) if d.why else ""
                lines.append(
                    "  "
                    + gettext("“%(name)s” (%(kind)s) → not imported%(why)s")
                    % {"name": d.name, "kind": kind, "why": why}
                )
                continue
            separator = pgettext("list separator", ", ")
            codes = separator.join(f"“{a.source}”" for a in d.chain if a.source) or gettext("(a constant)")
            if d.role == "date":
                codes = separator.join(f"“{a.source}”" for a in d.attributes.values() if a.source)
            names = separator.join(_field_name(t, self.kind) for t in targets)
            text = "  " + gettext("“%(name)s” (%(kind)s) → %(role)s: %(fields)s") % {
                "name": d.name,
                "kind": kind,
                "role": ROLE_NAMES[d.role],
                "fields": names,
            }
            if d.role in {"unit", "function", "econ", "project"}:
                text += gettext(", codes from the fields %(fields)s") % {"fields": codes}
            else:
                text += gettext(", from the fields %(fields)s") % {"fields": codes}
            named = [d.label_of(a.key) for a in d.chain]
            labels = separator.join(f"“{a.source}”" for a in named if a is not None and a.source)
            if labels:
                text += gettext(", names from the fields %(fields)s") % {"fields": labels}
            if len(d.chain) > 1:
                text += gettext(" (%(n)s levels, the parent given by parent)") % {"n": len(d.chain)}
            if d.why:
                text += f"{pgettext('opening bracket', ' (')}{d.why}{pgettext('closing bracket', ')')}"
            lines.append(text)
        if self.direct or self.constants:
            lines.append(gettext("Given by the mapping file:"))
            lines.extend(
                "  "
                + gettext("%(field)s ← field “%(source)s”")
                % {"field": _field_name(k, self.kind), "source": v}
                for k, v in self.direct.items()
            )
            lines.extend(f"  {_field_name(k, self.kind)} = {v}" for k, v in self.constants.items())
        lines.append(gettext("Derived:"))
        if "indicator_no" in self.derived:
            keys = pgettext("list separator", ", ").join(f"“{d.name}”" for d in self._key_dimensions())
            lines.append(
                "  "
                + gettext(
                    "indicator number: not in the package; the codes of the dimensions %(keys)s joined by "
                    "“-” (their digest when longer than %(max)s characters)"
                )
                % {"keys": keys, "max": INDICATOR_NO_MAX}
            )
        if "voucher_no" in self.derived:
            lines.append(
                "  "
                + gettext(
                    "payment voucher number: not in the package; computed from the values of each row's "
                    "fields (a row imported again gets the same number)"
                )
            )
        if "budget_type" not in self.constants and not self.role_dimension("budget_type"):
            budget_type = (
                BudgetType(int(self.budget_type)).label if int(self.budget_type) in BudgetType.values else ""
            )
            lines.append(
                "  "
                + gettext("budget type: %(name)s (%(origin)s)")
                % {"name": budget_type, "origin": self.budget_type_origin}
            )
        date = self.role_dimension("date")
        if date is not None:
            lines.append(
                gettext(
                    "Year: only the rows of %(year)s are imported (by the dimension “%(name)s”); rows of "
                    "other years are skipped"
                )
                % {"year": self.year, "name": date.name}
            )
        else:
            lines.append(
                gettext("Year: the package has no time dimension; every row is imported into %(year)s")
                % {"year": self.year}
            )
        lines.extend(self.notes)
        return lines


# --- cells ----------------------------------------------------------------------------------------


def _field_name(name: str, kind: str = "") -> str:
    headers = {c.name: c.header for c in interface.SPECS.get(kind, ())}
    opening, closing = pgettext("opening bracket", " ("), pgettext("closing bracket", ")")
    return f"{headers.get(name, name)}{opening}{name}{closing}"


def _digest(values: list[Any]) -> str:
    return hashlib.sha1("\x1f".join(map(str, values)).encode(), usedforsecurity=False).hexdigest()[:20]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return interface.normalise(str(value))


def _constant(value: Any) -> Any:
    return lambda row: value


def _column_getter(source: str) -> Any:
    return lambda row: row.get(source, "")


def _attribute_getter(attribute: Attribute) -> Any:
    return lambda row: attribute.value(row)


def _joined_getter(dimension: Dimension) -> Any:
    chain = dimension.chain

    def get(row: dict[str, Any]) -> str:
        values = [_text(a.value(row)) for a in chain]
        return "-".join(v for v in values if v) if len(values) > 1 else (values[0] if values else "")

    return get


def _class_codes(dimension: Dimension, row: dict[str, Any]) -> list[tuple[str, str]]:
    """The codes of a classification's levels in a row, top first, each with its label. A level
    written as its own segment (``01`` under ``201``) is joined to its parent's code."""
    out: list[tuple[str, str]] = []
    code = ""
    for attribute in dimension.chain:
        value = _text(attribute.value(row))
        if not value:
            continue
        code = value if not code or value.startswith(code) else code + value
        label = dimension.label_of(attribute.key)
        out.append((code, _text(label.value(row)) if label else ""))
    return out


def _class_getter(dimension: Dimension) -> Any:
    def get(row: dict[str, Any]) -> str:
        codes = _class_codes(dimension, row)
        return codes[-1][0] if codes else ""

    return get


def _indicator_getter(dimensions: list[Dimension]) -> Any:
    parts = [(_class_getter(d) if d.role in {"function", "econ"} else _joined_getter(d)) for d in dimensions]

    def get(row: dict[str, Any]) -> str:
        text = "-".join(str(p(row)) or "0" for p in parts)
        return text if len(text) <= INDICATOR_NO_MAX else f"FDP-{_digest([text])}"

    return get


_NUMBER_JUNK = re.compile(r"[,\s元¥￥]")


def _scaled(value: Any, factor: Decimal) -> Any:
    """An amount times the measure's factor, as the interface's text (``1234.50``); a cell that is
    not a number (or not exact to the fen once scaled) is passed on for the check to name."""
    if value is None or value == "":
        return ""
    if factor == 1:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = _NUMBER_JUNK.sub("", interface.normalise(str(value)))
        negative = text.startswith("(") and text.endswith(")")
        try:
            number = Decimal(text.strip("()"))
        except InvalidOperation:
            return value
        if negative:
            number = -number
    if not number.is_finite():
        return value
    scaled = number * factor
    return f"{scaled:.2f}" if scaled == scaled.quantize(Decimal("0.01")) else f"{scaled.normalize():f}"


def _amount(measure: Measure) -> Any:
    return lambda row: _scaled(row.get(measure.source, ""), measure.factor)


def _difference(adjusted: Measure, base: Measure | None) -> Any:
    """调整数: the adjusted budget minus the approved one (FDP gives the adjusted total)."""

    def get(row: dict[str, Any]) -> Any:
        after = _scaled(row.get(adjusted.source, ""), adjusted.factor)
        before = _scaled(row.get(base.source, ""), base.factor) if base else "0"
        try:
            return f"{interface.parse_amount(after) - interface.parse_amount(before or '0'):.2f}"
        except interface.BadValue:
            return after

    return get


_DATEISH = re.compile(r"(\d{4})(?:[-/年.]?(\d{1,2})(?:[-/月.]?(\d{1,2})日?)?月?)?\Z")


def _date_parts(dimension: Dimension, row: dict[str, Any]) -> tuple[int | None, int | None, Any]:
    """(year, month, the date or its raw text) of a row's datetime dimension."""
    year = month = None
    day: int | None = None
    raw: Any = ""
    for attribute in dimension.attributes.values():
        if attribute.labelfor:
            continue
        value = attribute.value(row)
        key = _lower(attribute.key)
        if value in ("", None):
            continue
        if key in YEAR_KEYS:
            year = _int(value, year)
        elif key in MONTH_KEYS:
            month = _int(value, month)
        elif key in DAY_KEYS:
            day = _int(value, day)
        else:
            raw = value
    if isinstance(raw, dt.datetime | dt.date):
        date = raw.date() if isinstance(raw, dt.datetime) else raw
        return date.year, date.month, date
    if raw != "":
        match = _DATEISH.match(_text(raw))
        if match:
            year = int(match[1])
            month = int(match[2]) if match[2] else month
            day = int(match[3]) if match[3] else day
        else:
            try:
                date = interface.parse_date(raw)
                return date.year, date.month, date
            except interface.BadValue:
                return year, month, raw
    if year and month and day:
        try:
            return year, month, dt.date(year, month, day)
        except ValueError:
            return year, month, f"{year}-{month}-{day}"
    return year, month, raw


def _int(value: Any, default: int | None) -> int | None:
    text = _text(value).rstrip("年月日")
    return int(text) if text.isdigit() else default


def _date_getter(dimension: Dimension, target: str) -> Any:
    def get(row: dict[str, Any]) -> Any:
        year, month, date = _date_parts(dimension, row)
        if target == "month":
            return f"{year}-{month:02d}" if year and month else (month or date)
        if isinstance(date, dt.date):
            return date.isoformat()
        if target == "issued_date" and year and not month:
            return ""  # a year alone: no issue date
        return date or (f"{year}-{month}" if year and month else year or "")

    return get


# --- reading the descriptor -------------------------------------------------------------------------


def is_mapping_form(descriptor: dict[str, Any], kind: str) -> bool:
    """A package in the mapping form: its model has dimensions typed (``dimensionType``,
    ``classificationType``), attributes with ``parent``/``labelfor``, or dimensions not named
    like our fields (the earlier form named each dimension after our field)."""
    model = descriptor.get("model") or descriptor.get("mapping")
    if not isinstance(model, dict):
        return False
    dimensions = model.get("dimensions")
    if not isinstance(dimensions, dict) or not dimensions:
        return False
    ours = {c.name for c in interface.SPECS.get(kind, ())}
    for name, spec in dimensions.items():
        if not isinstance(spec, dict):
            continue
        if spec.get("dimensionType") or spec.get("classificationType"):
            return True
        if name not in ours and not spec.get("renda:field"):
            return True
        for attribute in (spec.get("attributes") or {}).values():
            if isinstance(attribute, dict) and (attribute.get("labelfor") or attribute.get("parent")):
                return True
    return False


def _fail(descriptor: Path, where: str, message: str) -> UnreadableFile:
    return UnreadableFile(
        gettext("%(where)s of the package %(package)s: %(message)s")
        % {"package": descriptor.name, "where": where, "message": message},
        column=where,
    )


def _role(dimension: Dimension, kind: str) -> tuple[str, str]:
    """The role a dimension takes, inferred from its types and name, and why (for the mapping)."""
    dtype, ctype, name = dimension.dimension_type, dimension.classification_type, _lower(dimension.name)
    if dtype == "datetime" or (not dtype and name in {"date", "time", "period", "fiscal-period", "year"}):
        return "date", ""
    if ctype == "administrative" or (not ctype and "administrative-classification" in name):
        return "unit", ""
    if ctype in {"functional", "activity"} or (not ctype and "functional-classification" in name):
        return "function", ""
    if ctype == "economic" or (not ctype and "economic-classification" in name):
        return "econ", ""
    if any(w in name for w in BUDGET_TYPE_WORDS):
        return "budget_type", ""
    if dtype == "entity" or (not dtype and any(w in name for w in (*PAYEE_WORDS, *UNIT_WORDS))):
        if any(w in name for w in PAYEE_WORDS):
            return (
                ("payee", "")
                if kind == "payments"
                else ("ignore", gettext("a payee is imported with payments only"))
            )
        if any(w in name for w in UNIT_WORDS):
            return "unit", gettext("the budget unit that pays")
        if any(w in name for w in FUND_WORDS):
            return (
                ("fund_source", "")
                if kind == "indicators"
                else ("ignore", gettext("a fund account is imported with indicators only"))
            )
        return "ignore", gettext(
            "whether this entity is a budget unit or a payee cannot be told; the mapping file can say"
        )
    if any(w in name for w in INDICATOR_WORDS):
        return ("indicator", "") if kind != "revenue" else ("ignore", "")
    if any(w in name for w in VOUCHER_WORDS) or (dtype == "fact" and kind == "payments"):
        return (
            ("voucher", "")
            if kind == "payments"
            else ("ignore", gettext("a transaction number is imported with payments only"))
        )
    if dtype == "fact" and kind == "indicators":
        return "indicator", ""
    if dtype == "activity" or any(w in name for w in ("project", "program", "项目")):
        return ("project", "") if kind != "revenue" else ("ignore", "")
    if dtype == "location":
        return "ignore", gettext("the platform does not count by location")
    return "ignore", gettext("no matching field; the mapping file can name one")


MAPPING_FILE_KEYS = {"dimensions", "fields", "constants", "measures", "factor", "budget_type"}


def _mapping_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        spec = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise UnreadableFile(
            gettext("The mapping file %(file)s cannot be read or is not JSON: %(error)s")
            % {"file": path.name, "error": exc}
        ) from exc
    if not isinstance(spec, dict):
        raise UnreadableFile(
            gettext("The mapping file %(file)s must be one JSON object") % {"file": path.name}
        )
    unknown = sorted(set(spec) - MAPPING_FILE_KEYS)
    if unknown:
        raise UnreadableFile(
            gettext("The mapping file %(file)s has unknown keys: %(keys)s (known: %(known)s)")
            % {
                "file": path.name,
                "keys": pgettext("list separator", ", ").join(unknown),
                "known": pgettext("list separator", ", ").join(sorted(MAPPING_FILE_KEYS)),
            },
            column=unknown[0],
        )
    for key in ("dimensions", "fields", "constants", "measures"):
        value = spec.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise UnreadableFile(
                gettext("“%(key)s” of the mapping file %(file)s must be an object (name → value)")
                % {"key": key, "file": path.name},
                column=key,
            )
    for name, role in spec.get("dimensions", {}).items():
        if role not in ROLE_NAMES:
            raise UnreadableFile(
                gettext(
                    "dimensions.“%(name)s” of the mapping file %(file)s is “%(role)s”; it must be one of "
                    "%(roles)s"
                )
                % {
                    "file": path.name,
                    "name": name,
                    "role": role,
                    "roles": pgettext("list separator", ", ").join(ROLE_NAMES),
                },
                column=f"dimensions.{name}",
            )
    return spec


def read_package(
    path: Path, kind: str, year: int, *, mapping_file: Path | None = None, budget_type: str = ""
) -> Package | None:
    """The package at ``path`` (``datapackage.json`` or its directory) in the mapping form, its
    mapping inferred for ``kind``; ``None`` for a package in the earlier form (columns named by
    ``columnType`` or ``renda:field``, read by :func:`.sources.read_datapackage`) when no mapping
    file is given. A package that cannot be mapped raises :class:`UnreadableFile` (in Chinese,
    naming the descriptor and the place in it)."""
    if path.is_dir():
        path = path / "datapackage.json"
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise UnreadableFile(
            gettext("The package descriptor %(file)s cannot be read or is not JSON") % {"file": path.name}
        ) from exc
    if not isinstance(descriptor, dict):
        raise UnreadableFile(
            gettext("The package descriptor %(file)s must be one JSON object") % {"file": path.name}
        )
    if mapping_file is None and not is_mapping_form(descriptor, kind):
        return None
    if kind not in MAPPING_KINDS:
        raise UnreadableFile(
            gettext("A Fiscal Data Package by mapping imports as %(kinds)s only, not as %(kind)s")
            % {"kinds": pgettext("list separator", ", ").join(MAPPING_KINDS), "kind": kind}
        )
    spec = _mapping_file(mapping_file)
    model = descriptor.get("model") or descriptor.get("mapping") or {}
    resources = [r for r in descriptor.get("resources") or [] if isinstance(r, dict) and r.get("path")]
    if not resources:
        raise _fail(path, "resources", gettext("no data resource (resources[].path)"))
    resource_names = [str(r.get("name") or f"resources[{i}]") for i, r in enumerate(resources)]
    wanted: set[str] = set()  # the resources the model names (measures' and attributes' ``resource``)

    def named_resource(where: str, spec: dict[str, Any]) -> None:
        name = spec.get("resource")
        if name:
            if str(name) not in resource_names:
                raise _fail(
                    path,
                    f"{where}.resource",
                    gettext("the data resource “%(name)s” it names does not exist") % {"name": name},
                )
            wanted.add(str(name))

    measures: list[Measure] = []
    global_factor = spec.get("factor", 1)
    for name, m in (model.get("measures") or {}).items():
        where = f"model.measures.{name}"
        if not isinstance(m, dict) or not isinstance(m.get("source"), str) or not m["source"]:
            raise _fail(path, where, gettext("the measure has no source (the amount field of the data file)"))
        named_resource(where, m)
        currency = str(m.get("currency") or "").upper()
        if currency not in CURRENCIES:
            raise _fail(
                path,
                f"{where}.currency",
                gettext("the currency is %(currency)s; only amounts in renminbi (CNY) are imported")
                % {"currency": currency},
            )
        try:
            factor = Decimal(str(m.get("factor", global_factor)))
        except InvalidOperation:
            factor = Decimal(0)
        if not factor.is_finite() or factor <= 0:
            raise _fail(
                path,
                f"{where}.factor",
                gettext("the factor must be positive, such as 10000 for amounts in units of 10,000 yuan"),
            )
        measures.append(Measure(name, m["source"], factor, currency, str(m.get("phase") or "")))
    if not measures:
        raise _fail(path, "model.measures", gettext("no measure (amount field)"))

    dimensions: list[Dimension] = []
    for name, d in (model.get("dimensions") or {}).items():
        where = f"model.dimensions.{name}"
        if not isinstance(d, dict) or not isinstance(d.get("attributes"), dict) or not d["attributes"]:
            raise _fail(path, where, gettext("the dimension has no attributes"))
        attributes: dict[str, Attribute] = {}
        for key, a in d["attributes"].items():
            if not isinstance(a, dict) or not (isinstance(a.get("source"), str) or "constant" in a):
                raise _fail(
                    path,
                    f"{where}.attributes.{key}",
                    gettext("the attribute has no source (a field of the data file) or constant"),
                )
            named_resource(f"{where}.attributes.{key}", a)
            attributes[key] = Attribute(
                key,
                a.get("source") or "",
                a.get("constant"),
                str(a.get("labelfor") or ""),
                str(a.get("parent") or ""),
            )
        for key, attribute in attributes.items():
            for ref, what in ((attribute.labelfor, "labelfor"), (attribute.parent, "parent")):
                if ref and ref not in attributes:
                    raise _fail(
                        path,
                        f"{where}.attributes.{key}.{what}",
                        gettext("the attribute “%(ref)s” it names does not exist") % {"ref": ref},
                    )
        key = d.get("primaryKey") or []
        primary = [key] if isinstance(key, str) else [str(k) for k in key if isinstance(k, str)]
        for k in primary:
            if k not in attributes:
                raise _fail(
                    path,
                    f"{where}.primaryKey",
                    gettext("the primary key “%(key)s” is not an attribute of the dimension") % {"key": k},
                )
        dimension = Dimension(
            name,
            str(d.get("dimensionType") or ""),
            str(d.get("classificationType") or ""),
            attributes,
            primary,
        )
        chosen = spec.get("dimensions", {}).get(name)
        if chosen:
            dimension.role, dimension.why = chosen, gettext("given by the mapping file")
        else:
            dimension.role, dimension.why = _role(dimension, kind)
        dimensions.append(dimension)
    unknown = sorted(set(spec.get("dimensions", {})) - {d.name for d in dimensions})
    if unknown:
        raise UnreadableFile(
            gettext("Dimensions the mapping file names are not in the package: %(names)s")
            % {"names": pgettext("list separator", ", ").join(unknown)},
            column=unknown[0],
        )

    # one dimension per role: the first keeps it, later ones are reported
    taken: dict[str, str] = {}
    notes: list[str] = []
    for dimension in dimensions:
        if dimension.role == "ignore":
            continue
        if dimension.role in taken:
            dimension.why = gettext("“%(name)s” is already the %(role)s") % {
                "name": taken[dimension.role],
                "role": ROLE_NAMES[dimension.role],
            }
            dimension.role = "ignore"
            continue
        taken[dimension.role] = dimension.name

    _assign_measures(path, kind, measures, spec)
    columns = {
        f.get("name")
        for r in resources
        for f in ((r.get("schema") or {}).get("fields") or [])
        if isinstance(r.get("schema"), dict) and isinstance(f, dict)
    }
    direct = {str(k): str(v) for k, v in spec.get("fields", {}).items()}
    ours = {c.name for c in interface.SPECS[kind]}
    for name, source in direct.items():
        if name not in ours:
            raise UnreadableFile(
                gettext("“%(name)s” in the fields of the mapping file is not a field of %(kind)s")
                % {"name": name, "kind": kind},
                column=f"fields.{name}",
            )
        if columns and source not in columns:
            raise UnreadableFile(
                gettext(
                    "fields.%(name)s of the mapping file names the field “%(source)s”, which is not in the "
                    "package"
                )
                % {"name": name, "source": source},
                column=f"fields.{name}",
            )
    constants = dict(spec.get("constants", {}))
    for name in constants:
        if name not in ours:
            raise UnreadableFile(
                gettext("“%(name)s” in the constants of the mapping file is not a field of %(kind)s")
                % {"name": name, "kind": kind},
                column=f"constants.{name}",
            )

    chosen_type = budget_type or str(spec.get("budget_type") or "")
    origin = gettext("given with the import (--budget-type or the upload page's option)")
    if not budget_type and spec.get("budget_type"):
        origin = gettext("the mapping file")
    if not chosen_type:
        chosen_type, origin = (
            "1",
            gettext(
                "not given by the package: the default; --budget-type or the upload page's option sets it"
            ),
        )
    try:
        budget_code = str(interface.parse_budget_type(chosen_type))
    except interface.BadValue as exc:
        raise UnreadableFile(
            gettext("The budget type “%(value)s” is not valid: %(error)s")
            % {"value": chosen_type, "error": exc},
            column="budget_type",
        ) from exc

    package = Package(
        kind=kind,
        year=year,
        descriptor=path,
        data=path,  # (the data files are chosen below, once the mapping says which columns it reads)
        title=str(descriptor.get("title") or descriptor.get("name") or path.parent.name),
        measures=measures,
        dimensions=dimensions,
        direct=direct,
        constants=constants,
        budget_type=budget_code,
        budget_type_origin=origin,
        notes=notes,
    )
    package.files = _data_files(path, resources, resource_names, wanted, package._sources(), notes)
    package.data = package.files[0][1]
    fields = set(package._dimension_fields()) | set(direct) | set(constants)
    if kind == "indicators" and "indicator_no" not in fields:
        if not package._key_dimensions():
            raise _fail(
                path,
                "model.dimensions",
                gettext(
                    "no dimension to number the indicators by (unit, functional or economic classification, "
                    "or project)"
                ),
            )
        package.derived.append("indicator_no")
    if kind == "payments" and "voucher_no" not in fields:
        package.derived.append("voucher_no")
    have = fields | {m.target for m in measures if m.target} | set(package.derived) | {"budget_type"}
    missing = [c for c in interface.SPECS[kind] if c.required and c.name not in have]
    if missing:
        names = pgettext("list separator", ", ").join(_field_name(c.name, kind) for c in missing)
        raise UnreadableFile(
            gettext(
                "Which dimension or field of the package %(file)s gives %(names)s cannot be inferred: name "
                "it in the mapping file (dimensions gives a dimension a use, fields maps a field of the data "
                "file to a field of the platform)"
            )
            % {"file": path.name, "names": names},
            column=missing[0].name,
        )
    return package


TABULAR_SUFFIXES = {".csv", ".txt", ".xlsx"}


def _missing_fields(package: str, data: str, missing: list[str]) -> UnreadableFile:
    """The package names fields a data file lacks."""
    separator = pgettext("list separator", ", ")
    return UnreadableFile(
        gettext("The package %(package)s names fields the data file %(data)s lacks: %(fields)s")
        % {"package": package, "data": data, "fields": separator.join(f"“{m}”" for m in missing)},
        column=separator.join(missing),
    )


def _data_files(
    path: Path,
    resources: list[dict[str, Any]],
    names: list[str],
    wanted: set[str],
    sources: set[str],
    notes: list[str],
) -> list[tuple[str, Path]]:
    """The data files to read, in the package's order: every part of every resource the model
    names, or (none named) of every tabular resource whose schema holds the columns the mapping
    reads. A resource left out is noted (why); a named one that cannot be read is refused."""
    root = path.parent.resolve()
    files: list[tuple[str, Path]] = []
    lacked: list[tuple[str, str, list[str]]] = []  # (resource, its first file, the columns it lacks)
    for i, (resource, name) in enumerate(zip(resources, names, strict=True)):
        where = f"resources[{i}]"
        if wanted and name not in wanted:
            notes.append(
                gettext("data resource “%(name)s”: not named by the mapping, not read") % {"name": name}
            )
            continue
        parts = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        if not parts or not all(isinstance(p, str) and p for p in parts):
            raise _fail(
                path,
                f"{where}.path",
                gettext("a data resource's path must be a file path (or a list of them)"),
            )
        schema: dict[str, Any] = resource["schema"] if isinstance(resource.get("schema"), dict) else {}
        declared = {f.get("name") for f in schema.get("fields") or [] if isinstance(f, dict)}
        suffixes = {Path(p).suffix.lower() for p in parts}
        if not wanted and not suffixes <= TABULAR_SUFFIXES:
            notes.append(
                gettext("data resource “%(name)s”: not a CSV or XLSX table, not read") % {"name": name}
            )
            continue
        lacking = sorted(sources - declared) if declared else []
        if lacking and not wanted:
            lacked.append((name, parts[0], lacking))
            notes.append(
                gettext("data resource “%(name)s”: lacks the fields the mapping reads (%(fields)s), not read")
                % {
                    "name": name,
                    "fields": pgettext("list separator", ", ").join(f"“{c}”" for c in lacking[:5]),
                }
            )
            continue
        for j, part in enumerate(parts):
            spot = f"{where}.path" + (f"[{j}]" if len(parts) > 1 else "")
            if "://" in part:
                raise _fail(
                    path, spot, gettext("only files inside the package are imported, not web addresses")
                )
            data = (path.parent / part).resolve()
            if root not in data.parents:
                raise _fail(path, spot, gettext("The data resource must be inside the package's folder"))
            if data.suffix.lower() not in TABULAR_SUFFIXES:
                raise _fail(
                    path, spot, gettext("the data file %(file)s is not a CSV or XLSX table") % {"file": part}
                )
            if not data.exists():
                raise _fail(path, spot, gettext("the data file %(file)s does not exist") % {"file": part})
            files.append((name, data))
    if not files and lacked:
        _name, first, lacking = lacked[0]
        raise _missing_fields(path.name, first, lacking)
    if not files:
        raise _fail(
            path,
            "resources",
            gettext("no data resource is a CSV or XLSX table with the fields the mapping reads"),
        )
    return files


def _assign_measures(path: Path, kind: str, measures: list[Measure], spec: dict[str, Any]) -> None:
    """Which measure is which amount: the mapping file's ``measures``, else by ``phase``."""
    allowed = {
        "payments": ("amount",),
        "indicators": ("original_amount", "adjusted_amount"),
        "revenue": ("amount", "budget_amount"),
    }[kind]
    chosen = spec.get("measures", {})
    for name, target in chosen.items():
        if target not in allowed:
            raise UnreadableFile(
                gettext(
                    "measures.%(name)s of the mapping file is “%(target)s”; the amount fields of %(kind)s "
                    "are %(allowed)s"
                )
                % {
                    "name": name,
                    "target": target,
                    "kind": kind,
                    "allowed": pgettext("list separator", ", ").join(allowed),
                },
                column=f"measures.{name}",
            )
        if not any(m.name == name for m in measures):
            raise UnreadableFile(
                gettext("The measure “%(name)s” the mapping file names is not in the package")
                % {"name": name},
                column=f"measures.{name}",
            )
    for m in measures:
        m.target = chosen.get(m.name, "")
    if any(m.target for m in measures):
        return
    by_phase: dict[str, tuple[str, ...]] = {
        "payments": ("executed", ""),
        "indicators": ("approved", "proposed", ""),
        "revenue": ("executed", ""),
    }
    for phase in by_phase[kind]:
        found = next((m for m in measures if m.phase == phase), None)
        if found is not None:
            found.target = allowed[0]
            break
    if not any(m.target for m in measures):
        measures[0].target = allowed[0]
    if kind == "indicators":
        adjusted = next((m for m in measures if m.phase == "adjusted" and not m.target), None)
        if adjusted is not None:
            adjusted.target = "adjusted_amount"
    if kind == "revenue":
        planned = next((m for m in measures if m.phase in {"approved", "adjusted"} and not m.target), None)
        if planned is not None:
            planned.target = "budget_amount"
