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

from renda.core.redaction import (
    ADDRESS,
    ADDRESS_MASK,
    HOUSE,
    HOUSE_ONLY,
    ID_MASK,
    ID_NUMBER,
    LANDLINE,
    MOBILE,
    PHONE_MASK,
    PLACE_WORDS,
)

jieba.setLogLevel(logging.WARNING)

NAME_MASK = "某某"

_ID = ID_NUMBER
_MOBILE = MOBILE
_LANDLINE = LANDLINE
_HOUSE = HOUSE
_ADDRESS = ADDRESS
_HOUSE_ONLY = HOUSE_ONLY
_ADDRESS_TAIL = re.compile(rf"^[\u4e00-\u9fff]{{0,8}}?{PLACE_WORDS}?{_HOUSE}")


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
