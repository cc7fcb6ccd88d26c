"""脱敏: remove personal data from an opinion before it is published.

The system proposes a redacted text and a person checks it in the moderation queue. Removed:
mobile and landline numbers, ID card numbers, the submitter's own name, person names found by
jieba's part-of-speech tagger (``nr``), and addresses (a place name ``ns`` or a street/estate
followed by house, building, unit or room numbers).
"""

from __future__ import annotations

import logging
import re

import jieba
import jieba.posseg as pseg

jieba.setLogLevel(logging.WARNING)

PHONE_MASK = "[电话]"
ID_MASK = "[身份证号]"
ADDRESS_MASK = "[地址]"
NAME_MASK = "某某"

_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")
_NUM = r"[0-9０-９一二三四五六七八九十百零]+"
# A house number and what may follow it: 88号, 3栋2单元501室, 5组, 12号楼.
_HOUSE = (
    rf"{_NUM}(?:号楼|号院|号|栋|幢|单元|室|组|楼|层|户)(?:[-之]?{_NUM}(?:号楼|号|栋|幢|单元|室|楼|层|户)?)*"
)
# A street, estate or village name directly before a house number.
_PLACE_CHAR = r"(?:(?![在住于到的和及与是我你他她])[\u4e00-\u9fff])"
_ADDRESS = re.compile(
    rf"{_PLACE_CHAR}{{0,8}}?(?:路|街|巷|弄|大道|小区|花园|家园|公寓|新村|苑|村|社区){_HOUSE}"
)
_HOUSE_ONLY = re.compile(rf"(?<![\u4e00-\u9fff]){_HOUSE}")
_ADDRESS_TAIL = re.compile(
    rf"^[\u4e00-\u9fff]{{0,8}}?(?:路|街|巷|弄|大道|小区|花园|家园|公寓|新村|苑|村|社区)?{_HOUSE}"
)


_PLACE_ENDINGS = tuple("镇村坪湾沟乡县庄街区路河山园岭坝寨营堡店桥城")
# Words jieba tags as names but that are common words (高峰, 黄河): frequent in its dictionary.
_COMMON_WORD_FREQ = 200


# Characters of time words and pronouns that jieba's HMM sometimes glues into a "name" (于本周).
_NOT_IN_NAMES = set("年月日周天时本今明昨该此其我你他她们")


def _is_person_name(word: str) -> bool:
    if len(word) < 2 or len(word) > 4 or word.startswith("某") or word.endswith(_PLACE_ENDINGS):
        return False
    if _NOT_IN_NAMES & set(word[1:]):
        return False
    return (jieba.dt.FREQ.get(word) or 0) < _COMMON_WORD_FREQ


def _mask_names(text: str, names: set[str]) -> str:
    for name in sorted((n for n in names if len(n) >= 2), key=len, reverse=True):
        text = text.replace(name, NAME_MASK if len(name) > 1 else name)
    return text


def redact(text: str, *, submitter_name: str = "") -> str:
    """The text with personal data replaced by placeholders ([电话], [身份证号], [地址], 某某)."""
    if not text:
        return ""
    text = _ID.sub(ID_MASK, text)
    text = _MOBILE.sub(PHONE_MASK, text)
    text = _LANDLINE.sub(PHONE_MASK, text)
    names = {submitter_name.strip()} if submitter_name.strip() else set()
    text = _mask_names(text, names)
    # Part-of-speech tagging: person names (nr) and place names that start an address (ns).
    jieba.dt.check_initialized()
    words = list(pseg.cut(text))
    out: list[str] = []
    position = 0
    skip_until = 0
    for word, flag in words:
        start, position = position, position + len(word)
        if start < skip_until:
            continue
        if flag == "nr" and _is_person_name(word):
            out.append(word[0] + "某")
            continue
        if flag == "ns":
            tail = _ADDRESS_TAIL.match(text, position)
            if tail:
                out.append(ADDRESS_MASK)
                skip_until = tail.end()
                continue
        if start < skip_until:
            continue
        out.append(word)
    text = "".join(out)
    text = _ADDRESS.sub(ADDRESS_MASK, text)
    text = _HOUSE_ONLY.sub(ADDRESS_MASK, text)
    return text
