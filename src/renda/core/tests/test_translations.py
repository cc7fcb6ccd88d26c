"""Chinese first, English complete (issue 15.9): a string a person reads is translated both ways.

- the catalogues: every msgid of zh_Hans translated, none fuzzy (en too), no msgid in Chinese (the
  msgids are the English text: a Chinese msgid would show Chinese on the English pages);
- the catalogue is the source's: every string marked in the code and the templates is in it,
  translated (``makemessages`` run on a copy of the source, as ``scripts/messages_merge.sh`` does);
- the templates: no Chinese text outside the translation tags, except in the official documents
  (the printed letters, sheets and reports are Chinese documents) and in sample file lines
  (``<pre>``/``<code>``);
- the models: under English no verbose name, help text or choice label is Chinese (categories,
  kinds, states — what forms, filters and lists show);
- the Python source: no Chinese string literal outside the allow-list of ``chinese_in_code.py``
  (each entry with its reason: official Chinese documents, the data interface's Chinese values,
  patterns that read Chinese input), docstrings and comments left out.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

SOURCE = Path(__file__).resolve().parents[2]  # src/renda
LOCALE = SOURCE / "locale"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    plural: str = ""
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False
    obsolete: bool = False


def _unquote(line: str) -> str:
    text = line[line.index('"') + 1 : line.rindex('"')]
    return bytes(text, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header left out)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, target = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
                continue
            if line.startswith("#,"):
                entry.fuzzy = entry.fuzzy or "fuzzy" in line
                continue
            if line.startswith("#") or not line.strip():
                continue
            if line.startswith("msgctxt"):
                entry.msgctxt, target = _unquote(line), "msgctxt"
            elif line.startswith("msgid_plural"):
                entry.plural, target = _unquote(line), "plural"
            elif line.startswith("msgid"):
                entry.msgid, target = _unquote(line), "msgid"
            elif line.startswith("msgstr"):
                entry.msgstr.append(_unquote(line))
                target = "msgstr"
            elif line.startswith('"') and target is not None:
                text = _unquote(line)
                if target == "msgstr":
                    entry.msgstr[-1] += text
                elif target == "msgctxt":
                    entry.msgctxt = (entry.msgctxt or "") + text
                else:
                    setattr(entry, target, getattr(entry, target) + text)
        if entry.msgid and not entry.obsolete:
            entries.append(entry)
    return entries


def _catalogue(language: str) -> list[Entry]:
    return read_po(LOCALE / language / "LC_MESSAGES" / "django.po")


def test_the_po_reader_reads_what_it_must():
    """The reader sees an untranslated entry, a fuzzy one, a plural and a context."""
    entries = {e.msgid: e for e in _catalogue("zh_Hans")}
    assert len(entries) > 1000
    assert entries["Audit log"].msgstr == ["审计日志"]
    assert any(e.plural and e.msgstr[0] for e in entries.values())
    assert any(e.msgctxt for e in entries.values())


def translation_conflicts() -> dict[tuple[str, str], dict[str, list[str]]]:
    """Each message (msgctxt, msgid) whose Chinese differs between the parts files and the catalogue:
    ``{key: {msgstr: [file, ...]}}``. The merge keeps the first word it meets and never overwrites
    one, so two words for one message is one of them shown where the other was meant: choose one,
    or give the places their own context (``pgettext``). ``scripts/translation_conflicts.py``
    prints them."""
    words: dict[tuple[str, str], dict[str, list[str]]] = {}
    sources = [*sorted((LOCALE / "parts").glob("*.po")), LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"]
    for path in sources:
        name = path.stem if path.parent.name == "parts" else "catalogue"
        for entry in read_po(path):
            if entry.msgstr and entry.msgstr[0]:
                key = (entry.msgctxt or "", entry.msgid)
                words.setdefault(key, {}).setdefault(entry.msgstr[0], []).append(name)
    return {key: found for key, found in sorted(words.items()) if len(found) > 1}


def test_one_message_has_one_chinese_word_in_every_parts_file():
    conflicts = translation_conflicts()
    assert not conflicts, "\n".join(f"{key}: {found}" for key, found in conflicts.items())


def test_every_chinese_translation_is_there_and_none_is_a_guess():
    entries = _catalogue("zh_Hans")
    untranslated = [e.msgid for e in entries if not all(e.msgstr) or not e.msgstr]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert not untranslated, f"{len(untranslated)} without a Chinese translation: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (guessed) translations: {fuzzy[:20]}"


def test_the_english_catalogue_has_no_guesses():
    fuzzy = [e.msgid for e in _catalogue("en") if e.fuzzy]
    assert not fuzzy, fuzzy[:20]


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_message_ids_are_english(language):
    """A msgid is what the English pages show: Chinese in it is Chinese on an English page."""
    chinese = [e.msgid for e in _catalogue(language) if CJK.search(e.msgid) or CJK.search(e.plural)]
    assert not chinese, chinese[:20]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_marked_string_of_the_source_is_in_the_catalogue(tmp_path, settings):
    """``makemessages`` on a copy of the source: every string marked for translation in the code
    and the templates must be in the committed zh_Hans catalogue, translated (a new string without
    its Chinese, or a catalogue not merged after a change, fails here)."""
    from django.core.management import call_command

    copy = tmp_path / "renda"
    shutil.copytree(
        SOURCE,
        copy,
        ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo", "tests", "parts", "en"),
    )
    committed = {(e.msgctxt, e.msgid): e for e in _catalogue("zh_Hans")}
    settings.LOCALE_PATHS = [str(copy / "locale")]
    import os

    here = os.getcwd()
    try:
        os.chdir(copy)
        call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(here)
    fresh = read_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    missing = [e.msgid for e in fresh if (e.msgctxt, e.msgid) not in committed]
    untranslated = [e.msgid for e in fresh if not e.msgstr or not all(e.msgstr)]
    assert len(fresh) > 1000
    assert not missing, f"marked in the source but not in the catalogue: {missing[:20]}"
    assert not untranslated, f"marked in the source but not translated: {untranslated[:20]}"


# --- templates -------------------------------------------------------------------------------

#: Official documents: printed in Chinese whatever the reader's language (letters, sheets, reports; the
#: 函询函's text, findings/letter_body.txt).
DOCUMENTS = re.compile(r"/pdf/|/pdf\.html$|/findings/letter_body\.txt$")

_TRANSLATED = [
    re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S),
    re.compile(r"{%\s*trans(?:late)?\s.*?%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"<pre\b.*?</pre>", re.S),  # sample lines of a file format
    re.compile(r"<code\b.*?</code>", re.S),
]


def untranslated_chinese(text: str) -> list[tuple[int, str]]:
    """The lines of a template with Chinese outside the translation tags, as (line, text)."""
    for pattern in _TRANSLATED:
        text = pattern.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if CJK.search(line)]


def test_the_template_check_finds_chinese_outside_the_tags():
    assert untranslated_chinese("<p>{% translate 'Save' %}</p>\n<p>保存</p>") == [(2, "<p>保存</p>")]
    assert untranslated_chinese("{% blocktranslate %}a{% endblocktranslate %}{{ a|join:'、' }}")
    assert not untranslated_chinese("{# 注释 #}<pre>2027-01-01,holiday,元旦</pre>")


def test_no_template_shows_chinese_outside_the_translation_tags():
    found = []
    for path in sorted([*SOURCE.rglob("*.html"), *SOURCE.rglob("templates/**/*.txt")]):
        relative = path.relative_to(SOURCE).as_posix()
        if "/static/" in f"/{relative}" or DOCUMENTS.search(f"/{relative}"):
            continue
        found += [f"{relative}:{n}: {line[:100]}" for n, line in untranslated_chinese(path.read_text())]
    assert not found, "\n".join(found)


# --- Python source ---------------------------------------------------------------------------


def chinese_literals(source: str) -> list[tuple[int, str]]:
    """The Chinese string literals of a module as (line, text): docstrings (any bare string
    statement) and comments left out; each literal part of an f-string counts on its own."""
    tree = ast.parse(source)
    bare = {
        id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
    }
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in bare
        and CJK.search(node.value)
    )


def python_modules() -> list[tuple[str, Path]]:
    """The modules of ``src/renda`` a person's texts come from: tests, migrations, demo data and
    the test fixtures (conftest) left out."""
    modules = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        parts = relative.split("/")
        if {"tests", "migrations", "demo", "locale", "static"} & set(parts) or parts[-1] == "conftest.py":
            continue
        modules.append((relative, path))
    return modules


def test_the_literal_check_finds_chinese_outside_docstrings():
    source = (
        '"""模块说明"""\n'
        'SAVE = "保存"  # 注释\n'
        'line = f"共 {n} 条"\n'
        "def f():\n"
        '    """说明"""\n'
        '    return _("Save")\n'
    )
    assert chinese_literals(source) == [(2, "保存"), (3, " 条"), (3, "共 ")]


def test_no_chinese_string_literal_outside_the_allow_list():
    """A text a person reads is English in the source (wrapped in gettext); the Chinese literals
    that remain are the allow-list's, each with its reason (``chinese_in_code.py``)."""
    from renda.core.tests.chinese_in_code import ALLOWED, NOT_YET_TRANSLATED

    allowed: dict[str, set[str]] = defaultdict(set)
    for allowance in [*ALLOWED, *NOT_YET_TRANSLATED]:
        allowed[allowance.path] |= allowance.literals
    found, seen = [], defaultdict(set)
    for relative, path in python_modules():
        for line, text in chinese_literals(path.read_text(encoding="utf-8")):
            seen[relative].add(text)
            if text not in allowed.get(relative, ()):
                found.append(f"{relative}:{line}: {text!r}")
    assert not found, (
        "Chinese string literals in the Python source: write the English text wrapped in gettext and "
        "its Chinese in a locale/parts file, or (Chinese by nature) add it to core/tests/"
        "chinese_in_code.py with its reason:\n" + "\n".join(found)
    )
    stale = [
        f"{a.path}: {text!r}"
        for a in [*ALLOWED, *NOT_YET_TRANSLATED]
        for text in a.literals
        if text not in seen[a.path]
    ]
    assert not stale, (
        "allowed but no longer in the source: take them out of chinese_in_code.py\n" + "\n".join(stale)
    )


def test_every_allowance_gives_its_reason():
    from renda.core.tests.chinese_in_code import ALLOWED, NOT_YET_TRANSLATED

    assert all(len(a.reason) > 20 and a.literals for a in ALLOWED)
    assert all(a.reason.startswith("not yet translated") for a in NOT_YET_TRANSLATED)
    assert not any(a.reason.startswith("not yet translated") for a in ALLOWED)


# --- models ----------------------------------------------------------------------------------


def test_model_names_fields_and_choices_are_english_in_english():
    """Categories, kinds, states, field names: what lists, filters and forms show, in English."""
    chinese = []
    with translation.override("en"):
        for model in apps.get_models():
            if not model.__module__.startswith("renda."):
                continue
            meta = model._meta
            for text in (meta.verbose_name, meta.verbose_name_plural):
                if CJK.search(str(text)):
                    chinese.append(f"{meta.label}: {text}")
            for f in meta.get_fields():
                for text in (getattr(f, "verbose_name", ""), getattr(f, "help_text", "")):
                    if CJK.search(str(text)):
                        chinese.append(f"{meta.label}.{f.name}: {text}")
                for _value, label in getattr(f, "flatchoices", None) or ():
                    if CJK.search(str(label)):
                        chinese.append(f"{meta.label}.{f.name} choice: {label}")
    assert not chinese, "\n".join(chinese)


def test_holiday_names_read_in_english_on_the_english_calendar(client_for, admin_user):
    """Issue 15.9: 春节 is “Spring Festival” on the English calendar, 春节 on the Chinese one."""
    import datetime as dt

    from renda.core.models import CalendarDay

    CalendarDay.objects.create(date=dt.date(2027, 2, 8), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    CalendarDay.objects.create(date=dt.date(2027, 3, 8), kind=CalendarDay.Kind.HOLIDAY, name="县庆")
    client = client_for(admin_user)
    chinese = client.get("/calendar/?year=2027").content.decode()
    assert "春节" in chinese
    client.cookies["django_language"] = "en"
    english = client.get("/calendar/?year=2027").content.decode()
    assert "Spring Festival" in english and "春节" not in english
    assert "县庆" in english  # a county's own day shows as written
