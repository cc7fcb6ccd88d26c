"""答复函: the fixed parts of a unit's reply letter, and its body without them.

A reply letter reads::

    张三代表：                                   ← salutation (称谓), fixed
    您提出的《关于……的建议》收悉。现答复如下：   ← opening, fixed
    ……                                           ← the body (正文): what the clerk writes
    感谢您对我们工作的关心和支持。               ← closing, fixed
                               县交通运输局      ← signature block, fixed (with the seal)
                               2026年5月8日
    （联系人：李四；联系电话：0917-3212345）

The form shows the fixed parts around the text box; a clerk used to writing the whole letter may
still type or paste them, so :func:`letter_body` takes them off the start and the end of what was
written before it is stored, and the letter (PDF, page) adds each of them exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLOSING = "感谢您对我们工作的关心和支持。"

# 联系电话: a landline with its area code (0917-3212345, 0917 3212345, extension -801) or a mobile.
_PHONE = re.compile(r"^(?:0\d{2,3}[- ]?\d{7,8}(?:[-转]\d{1,6})?|1[3-9]\d{9})$")


def clean_contact_phone(value: str) -> str:
    """The letter's 联系电话, normalised (spaces and the full-width forms removed), or a ValidationError."""
    phone = (value or "").strip().translate(_FULL_WIDTH).replace("（", "").replace("）", "")
    phone = re.sub(r"\s+", "-", phone)
    if not _PHONE.match(phone):
        raise ValidationError(
            _("Give a telephone number: a landline with its area code (0917-3212345) or a mobile number."),
            code="invalid_phone",
        )
    return phone


_FULL_WIDTH = str.maketrans("０１２３４５６７８９－　", "0123456789- ")


@dataclass(frozen=True)
class LetterParts:
    """The fixed parts of one letter, in the order they are printed."""

    salutation: str
    opening: str
    closing: str
    signature: str


def letter_parts(*, deputy_name: str, title: str, unit_name: str) -> LetterParts:
    title = title.strip()
    if title.endswith("建议"):
        opening = f"您提出的《{title}》收悉。现答复如下："
    else:
        opening = f"您提出的关于《{title}》的建议收悉。现答复如下："
    name = deputy_name.strip()
    return LetterParts(
        salutation=f"{name}：" if name.endswith("代表") else f"{name}代表：",
        opening=opening,
        closing=CLOSING,
        signature=unit_name,
    )


# What a clerk writes at the start of a whole letter: the salutation, the opening.
_SALUTATION = re.compile(
    r"^(?:尊敬的)?\s*[\u4e00-\u9fff·A-Za-z]{0,12}\s*(?:代表|同志|先生|女士)\s*[：:，,]?\s*$"
)
_OPENING = re.compile(
    r"^(?:您|你)(?:好[！!，,。]?)?.{0,120}?(?:建议|意见|来信).{0,60}?(?:收悉|收到)了?"
    r"(?:[。，,；;！!]?.{0,30}?(?:现|特)?(?:将.{0,20}?)?(?:答复|回复|函复)如下[：:。]?)?[。，,；;！!]?\s*$"
)
_ANSWER_FOLLOWS = re.compile(r"^(?:现|特)?(?:将.{0,20}?)?(?:答复|回复|函复)如下[：:。]?\s*$")
# What a clerk writes at the end: the closing words, 此复, the signature, the date, the contacts.
_CLOSING = re.compile(
    r"^(?:再次)?(?:衷心)?(?:感谢|谢谢)(?:您|你)?.{0,20}?(?:关心|关注|支持|理解|监督).{0,20}?[。！!]?\s*$"
    r"|^(?:此复|特此(?:答复|函复|回复))[。！!]?\s*$"
    r"|^(?:[（(]?\s*(?:联系人|联系电话|电话|签发人)\s*[：:].*)$"
    r"|^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$"
    r"|^[〇○一二三四五六七八九十零]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日\s*$"
    r"|^[（(]?\s*(?:此件)?(?:公开|依申请公开|不予公开)(?:发布)?\s*[）)]?\s*$"
)


def letter_body(text: str, *, deputy_name: str = "", unit_name: str = "") -> str:
    """The body of a reply letter: ``text`` without a salutation or opening at its start and without
    closing words, signature, date or contact lines at its end, however the clerk wrote them."""
    # Paragraph indentation is the letter's (two characters), not the clerk's spaces.
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]

    def drop_blank_edges() -> None:
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()

    def is_signature(line: str) -> bool:
        line = line.strip()
        names = {n for n in (unit_name.strip(),) if n}
        if not line or re.search(r"[。，,；;：:！!？?、]", line):
            return False
        return line in names or (len(line) <= 30 and line.endswith(_UNIT_ENDINGS))

    drop_blank_edges()
    # The start: a salutation line, then an opening (possibly with "现答复如下" on its own line).
    if lines and (
        _SALUTATION.match(lines[0].strip())
        or (deputy_name and lines[0].strip().rstrip("：:，,") in (deputy_name, f"{deputy_name}代表"))
    ):
        lines.pop(0)
        drop_blank_edges()
    if lines and _OPENING.match(lines[0].strip()):
        lines.pop(0)
        drop_blank_edges()
        if lines and _ANSWER_FOLLOWS.match(lines[0].strip()):
            lines.pop(0)
            drop_blank_edges()
    # A salutation run into the first paragraph: "张三代表：您提出的……收悉。现答复如下：一、……"
    if lines:
        first = lines[0].strip()
        head = re.match(r"^(?:尊敬的)?[\u4e00-\u9fff·]{1,12}代表[：:]\s*", first)
        if head and deputy_name and deputy_name in head.group(0):
            first = first[head.end() :]
        opening = re.match(
            r"^(?:您|你).{0,120}?(?:建议|意见).{0,60}?(?:收悉|收到)[。，,；;]?"
            r"(?:.{0,30}?(?:答复|回复|函复)如下[：:。]?)?",
            first,
        )
        if opening and (head or first.startswith(("您提出", "您所提", "你提出", "您在"))):
            first = first[opening.end() :]
        if first != lines[0].strip():
            if first.strip():
                lines[0] = first.strip()
            else:
                lines.pop(0)
            drop_blank_edges()
    # The end: closing words, 此复, the unit's name, the date, contact lines — in any order.
    while lines:
        last = lines[-1].strip()
        if _CLOSING.match(last) or is_signature(last):
            lines.pop()
            drop_blank_edges()
            continue
        # The closing run into the last paragraph: "……。感谢您对我们工作的关心和支持！"
        tail = re.search(
            r"(?:(?:再次)?(?:衷心)?(?:感谢|谢谢)(?:您|你)?[^。！!]{0,20}?(?:关心|关注|支持|理解|监督)[^。！!]{0,20}?[。！!]?|此复[。！!]?)\s*$",
            last,
        )
        if tail and tail.start() > 0:
            kept = last[: tail.start()].rstrip()
            lines[-1] = kept[:-1] + "。" if kept.endswith(("，", ",", "；", ";")) else kept
            drop_blank_edges()
            continue
        break
    return "\n".join(lines)


# How a unit's name ends (the signature line at the bottom of a letter).
_UNIT_ENDINGS = (
    "局",
    "委",
    "办",
    "委员会",
    "办公室",
    "政府",
    "中心",
    "公司",
    "院",
    "所",
    "站",
    "队",
    "处",
    "厅",
)
