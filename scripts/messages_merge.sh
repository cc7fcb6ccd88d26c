#!/usr/bin/env bash
# Collect the strings of the code into the zh_Hans catalogue and fill translations from
# locale/parts/*.po (snippets written alongside new code). Run by `make messages-update`.
set -euo pipefail
cd "$(dirname "$0")/../src/renda"
PY=../../.venv/bin/python
$PY ../../manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore 'static/*' -v 0
po=locale/zh_Hans/LC_MESSAGES/django.po
# makemessages guesses translations for new strings (fuzzy); a guess is never kept.
msgattrib --clear-fuzzy --empty --no-wrap -o "$po" "$po"
shopt -s nullglob
parts=(locale/parts/*.po)
if ((${#parts[@]})); then
  compendium=$(mktemp --suffix=.po)
  msgcat --use-first -o "$compendium" "${parts[@]}"
  msgmerge -q --no-fuzzy-matching --no-wrap -C "$compendium" -o "$po.new" "$po" "$po"
  mv "$po.new" "$po"
  rm -f "$compendium"
fi
untranslated=$(msgattrib --untranslated --no-obsolete locale/zh_Hans/LC_MESSAGES/django.po | grep -c '^msgid "' || true)
echo "zh_Hans: $(( untranslated > 0 ? untranslated - 1 : 0 )) untranslated message(s)"
