"""``python manage.py budget_import --kind payments --year 2025 PATH [--dry-run] [--json]``
``[--format fdp] [--mapping FILE.json] [--budget-type TYPE] [--as USER]``.

A Fiscal Data Package in the mapping form (``model`` with measures and typed dimensions) is
mapped by its model; ``--mapping`` gives what cannot be inferred, ``--budget-type`` the budget
type of rows that carry none, and only the rows of ``--year`` are imported. ``--dry-run`` prints
the mapping it inferred (in Chinese) and writes nothing.

The file goes through the import service's one door
(:func:`renda.budget.services.imports.budget_import`), like an upload or a finance-feed batch.
Without ``--as`` it runs as the system (no person: no permission is checked and the audit trail
names nobody, as before); with ``--as USER`` it runs as that user, who needs the permission to
import budget data (a refusal is audited; exit status 2).

Exit status 0 only when the file was applied (or, with ``--dry-run``, would be); 1 when it was
rejected. With ``--json`` it prints one object: kind, year, inserted, updated, unchanged,
rejected and errors (line, column, value, message), as docs/data-interface.md describes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from renda.budget.interface import KINDS
from renda.budget.services.imports import SYSTEM, budget_import
from renda.core.permissions import PermissionRefused


class Command(BaseCommand):
    help = "Import a file of the budget data interface (数据接口规范): all-or-nothing, idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--dry-run", action="store_true", help="check the file, change nothing")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
        parser.add_argument("--format", default="auto", choices=("auto", "csv", "xlsx", "fdp"))
        parser.add_argument(
            "--mapping",
            default="",
            metavar="FILE.json",
            help="a Fiscal Data Package: a JSON mapping file for what cannot be inferred",
        )
        parser.add_argument(
            "--budget-type",
            default="",
            help="a Fiscal Data Package: the budget type (一般公共预算 … or 1–4) of rows that carry none",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            default="",
            metavar="USER",
            help="run as this user (who needs the permission to import); default: the system",
        )
        parser.add_argument("path")

    def handle(self, *args, **options) -> None:
        kind, year, path = options["kind"], options["year"], Path(options["path"])
        if not 1990 <= year <= 2100:
            raise CommandError("--year must be a fiscal year such as 2025", returncode=2)
        actor = SYSTEM
        if options["as_user"]:
            try:
                actor = get_user_model().objects.get_by_natural_key(options["as_user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"--as: no user {options['as_user']}", returncode=2) from None
        try:
            imported = budget_import(
                actor=actor,
                kind=kind,
                year=year,
                source=path,
                dry_run=options["dry_run"],
                file_format=options["format"],
                mapping_file=Path(options["mapping"]) if options["mapping"] else None,
                budget_type=options["budget_type"],
            )
        except PermissionRefused:
            raise CommandError(
                f"--as: {options['as_user']} may not import budget data", returncode=2
            ) from None
        result = imported.result
        assert result is not None  # a file on the server is imported in the foreground
        if options["json"]:
            shape = result.as_json()
            if imported.mapping:
                shape["mapping"] = imported.mapping
            self.stdout.write(json.dumps(shape, ensure_ascii=False))
        else:
            if imported.mapping and (options["dry_run"] or result.errors):
                self.stdout.write(gettext("The mapping inferred:"))
                for line in imported.mapping:
                    self.stdout.write(f"  {line}")
            if result.errors:
                self.stdout.write(
                    gettext("File refused: %(n)s rows have errors; no data changed.") % {"n": result.rejected}
                )
                for e in result.errors:
                    self.stdout.write(
                        "  "
                        + gettext("line %(line)s [%(column)s] “%(value)s”: %(message)s")
                        % {
                            "line": e["line"],
                            "column": e["column"],
                            "value": e["value"],
                            "message": e["message"],
                        }
                    )
            else:
                counts = {
                    "inserted": result.inserted,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
                done = (
                    gettext(
                        "Checked (nothing written): %(inserted)s new, %(updated)s updated, "
                        "%(unchanged)s unchanged."
                    )
                    if options["dry_run"]
                    else gettext("Imported: %(inserted)s new, %(updated)s updated, %(unchanged)s unchanged.")
                )
                self.stdout.write(done % counts)
        for warning in result.warnings:
            self.stderr.write(gettext("Warning: %(warning)s") % {"warning": warning})
        if result.errors:
            sys.exit(1)
