"""The refusals a person meets have Chinese text in the catalogue (snippet or merged file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
CJK = re.compile(r"[\u4e00-\u9fff]")

MESSAGES = [
    "This cannot be done while the suggestion is “%(state)s”.",
    "Write a title.",
    "Write the content of the suggestion.",
    "The title is longer than %(n)s characters.",
    "The content is longer than %(n)s characters.",
    "“%(name)s” is not an allowed file type. Allowed: %(types)s.",
    "“%(name)s” is larger than %(mb)s MB.",
    "Choose the class of the reply (A, B, C or D).",
    "A reply of class B or C must list what is committed and by when.",
    "Only the deputy who led the suggestion can rate the reply.",
    "Rate the unit's attitude from 1 to 5.",
]


def _catalogue() -> dict[str, str]:
    entries: dict[str, str] = {}
    files = [LOCALE / "parts" / "suggestions.po", LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"]
    for path in files:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        pattern = r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)'
        for m in re.finditer(pattern, text, re.M):
            msgid = "".join(re.findall(r'"(.*)"', m.group(1)))
            msgstr = "".join(re.findall(r'"(.*)"', m.group(2)))
            if msgstr:
                entries.setdefault(msgid, msgstr)
    return entries


@pytest.mark.parametrize("message", MESSAGES)
def test_refusal_message_has_a_chinese_translation(message):
    translated = _catalogue().get(message, "")
    assert CJK.search(translated), f"no Chinese for {message!r}"
    assert set(re.findall(r"%\(\w+\)s", translated)) == set(re.findall(r"%\(\w+\)s", message))
