"""脱敏: personal data taken out of a text before it is published.

:func:`redact_personal_data` replaces what identifies or locates a private person in a free text:
ID card numbers (18 digits with a check character, or the old 15), mobile numbers (with or without
+86 and separators), landline numbers with their area code, and addresses down to the house
(a street, estate or village followed by a house, building, unit or room number: 幸福小区3栋2单元501室).
Public texts keep everything else (names of units, places without a house number, dates, amounts).
The liaison module adds person names on top of this (:mod:`renda.liaison.redact`).
"""

from __future__ import annotations

import re

PHONE_MASK = "[电话]"
ID_MASK = "[身份证号]"
ADDRESS_MASK = "[地址]"

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)[(（]?0\d{2,3}[)）]?[- ]?\d{7,8}(?:[-转]\d{1,6})?(?!\d)")
NUM = r"[0-9０-９一二三四五六七八九十百零]+"
# A house number and what may follow it: 88号, 3栋2单元501室, 5组, 12号楼.
HOUSE = rf"{NUM}(?:号楼|号院|号|栋|幢|单元|室|组|楼|层|户)(?:[-之]?{NUM}(?:号楼|号|栋|幢|单元|室|楼|层|户)?)*"
PLACE_WORDS = r"(?:路|街|巷|弄|大道|小区|花园|家园|公寓|新村|苑|村|社区)"
# A street, estate or village name directly before a house number.
_PLACE_CHAR = r"(?:(?![在住于到的和及与是我你他她])[\u4e00-\u9fff])"
ADDRESS = re.compile(rf"{_PLACE_CHAR}{{0,8}}?{PLACE_WORDS}{HOUSE}")
HOUSE_ONLY = re.compile(rf"(?<![\u4e00-\u9fff]){HOUSE}")


def redact_personal_data(text: str) -> str:
    """``text`` with ID numbers, phone numbers and house addresses replaced by [身份证号], [电话], [地址]."""
    if not text:
        return ""
    text = ID_NUMBER.sub(ID_MASK, text)
    text = MOBILE.sub(PHONE_MASK, text)
    text = LANDLINE.sub(PHONE_MASK, text)
    text = ADDRESS.sub(ADDRESS_MASK, text)
    return HOUSE_ONLY.sub(ADDRESS_MASK, text)
