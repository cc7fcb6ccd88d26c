"""Messages whose Chinese differs between the parts files and the catalogue.

A parts file (``src/renda/locale/parts/*.po``) gives the Chinese of the strings its author wrote;
``scripts/messages_merge.sh`` fills the catalogue from them and never overwrites a translation, so
when two authors translate one English string (same msgid, same msgctxt) differently, one word is
shown everywhere. This lists each such message with its words and the files they come from, so
that one word is chosen or the places get their own context (``pgettext``). The same check is the
test ``core/tests/test_translations.py::test_one_message_has_one_chinese_word_in_every_parts_file``.

    PYTHONPATH=src .venv/bin/python scripts/translation_conflicts.py     # exit status 1 if any
"""

from __future__ import annotations

import sys

from renda.core.tests.test_translations import translation_conflicts


def main() -> int:
    found = translation_conflicts()
    for (context, msgid), words in found.items():
        label = f"{context}|{msgid}" if context else msgid
        print(f"{label!r}: " + "; ".join(f"{word} ({', '.join(files)})" for word, files in words.items()))
    print(f"{len(found)} message(s) with more than one Chinese word", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
