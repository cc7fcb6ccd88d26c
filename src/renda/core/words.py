"""Words: a text written once and read in every reader's language (issue 15.9).

A text that is stored (a finding's title and description, an import's error reasons) is kept as
*words*: an English message id (marked with ``gettext_noop``) with its values, a value being plain
text (figures, names, numbers: data), other words, or a list of words read one after the other.
Words are plain JSON. The writer stores the Chinese text (:func:`chinese`: the official wording,
which letters and the data interface's answers quote) beside the words; a page renders the words
in the reader's language (:func:`render`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, pgettext

from renda.core.templatetags.festivals import festival

Words = Any  # str | dict (one message) | list (words read one after the other) | None


def say(msgid: str, context: str | None = None, **values: Words) -> dict[str, Any]:
    """One message: ``msgid`` (a python-format string with ``%(name)s`` placeholders) and its values."""
    words: dict[str, Any] = {"id": msgid}
    if context:
        words["context"] = context
    if values:
        words["values"] = values
    return words


def render(words: Words) -> str:
    """The words in the active language."""
    if words is None:
        return ""
    if isinstance(words, str):
        return words
    if isinstance(words, list):
        return "".join(render(part) for part in words)
    if isinstance(words, dict) and "festival" in words:  # a holiday's name as the calendar stores it
        name = str(words["festival"])
        return name if (translation.get_language() or "").startswith("zh") else festival(name)
    if not isinstance(words, dict) or not isinstance(words.get("id"), str):
        return str(words)
    context = words.get("context")
    text = pgettext(context, words["id"]) if context else gettext(words["id"])
    values = words.get("values")
    if not values:
        return text
    return text % {name: render(value) for name, value in values.items()}


def listing(items: Iterable[Words]) -> Words:
    """Items read as a list, with the reader's list separator (、 in Chinese)."""
    out: list[Words] = []
    for item in items:
        if out:
            out.append(say(", ", context="list separator"))
        out.append(item)
    return out


def chinese(words: Words) -> str:
    """The words as the stored (official, Chinese) text."""
    with translation.override("zh-hans"):
        return render(words)


def has_words(words: Words) -> bool:
    """Whether ``words`` hold a message to translate (not only data)."""
    if isinstance(words, dict):
        return "id" in words or "festival" in words
    if isinstance(words, list):
        return any(has_words(part) for part in words)
    return False
