"""``python manage.py budget_warnings --year 2026 --as-of 2026-11-20 [--json]``.

Evaluates every enabled warning rule for the year as of the date and stores the findings
(re-running with the same data adds no duplicate and keeps each finding's handling state).
With ``--json`` it prints the JSON list of the findings of the run, each
``{"rule", "severity", "unit_code", "subject", "amount", "evidence", "message"}`` (``amount`` a
string with two decimals, ``evidence`` the voucher and indicator numbers behind the finding);
otherwise a summary per rule. The run's notices (a rule that ran without economic codes the
classification lacks, a rule that failed while the others ran) follow the summary, or go to
stderr with ``--json``. Exit status 2 for a bad argument or a year without data.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext, pgettext

from renda.budget.selectors.warnings import run_findings, run_notices
from renda.budget.services.warnings import warnings_evaluate
from renda.budget.warning_rules.registry import RULES, rule_name


class Command(BaseCommand):
    help = "Evaluate the budget warning rules (预警) for a fiscal year as of a date."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--as-of", required=True, dest="as_of", help="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print the run's findings as a JSON list")

    def handle(self, *args, **options) -> None:
        year = options["year"]
        try:
            as_of = dt.date.fromisoformat(options["as_of"])
        except ValueError:
            raise CommandError(
                gettext("Not a date: %(value)s (write YYYY-MM-DD, such as %(year)s-11-20)")
                % {"value": options["as_of"], "year": year},
                returncode=2,
            ) from None
        try:
            run = warnings_evaluate(actor=None, year=year, as_of=as_of)
        except ValidationError as error:
            raise CommandError(
                pgettext("clause separator", "; ").join(error.messages), returncode=2
            ) from None
        findings = run_findings(run=run)
        with translation.override("zh-hans"):
            notices = [notice.text for notice in run_notices(run)]
        if options["json"]:
            for text in notices:  # stdout is the JSON list alone
                self.stderr.write(text)
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "rule": f.rule_code,
                            "severity": f.severity,
                            "unit_code": f.unit_code,
                            "subject": f.subject,
                            "amount": f"{f.amount:.2f}",
                            "evidence": [*f.evidence.get("vouchers", []), *f.evidence.get("indicators", [])],
                            "message": f.message,
                        }
                        for f in findings
                    ],
                    ensure_ascii=False,
                    indent=1,
                )
            )
            return
        red = {code: 0 for code in RULES}
        for f in findings:
            if f.severity == "red":
                red[f.rule_code] = red.get(f.rule_code, 0) + 1
        self.stdout.write(
            gettext("Warnings of %(year)s (as of %(date)s)") % {"year": year, "date": as_of.isoformat()}
        )
        heads = [
            pgettext("warnings table", "Rule"),
            pgettext("warnings table", "Name"),
            pgettext("warnings table", "Found"),
            pgettext("warnings table", "Red"),
            pgettext("warnings table", "New"),
            pgettext("warnings table", "Time (s)"),
        ]
        self.stdout.write(
            f"{heads[0]:<20}{heads[1]:<14}{heads[2]:>6}{heads[3]:>6}{heads[4]:>6}{heads[5]:>10}"
        )
        for code in RULES:
            result = run.per_rule.get(code)
            name = rule_name(code)
            if result is None:
                self.stdout.write(f"{code:<20}{name:<14}{pgettext('warnings table', 'Off'):>6}")
                continue
            if "error" in result:
                self.stdout.write(f"{code:<20}{name:<14}{pgettext('warnings table', 'Failed'):>6}")
                continue
            self.stdout.write(
                f"{code:<20}{name:<14}{result['found']:>8}{red[code]:>8}{result['new']:>8}{result['seconds']:>12.2f}"
            )
        seconds = sum(r.get("seconds", 0) for r in run.per_rule.values())
        self.stdout.write(
            gettext("In all: %(found)s found, %(new)s of them new, in %(seconds)s seconds.")
            % {"found": run.found, "new": run.new, "seconds": f"{seconds:.2f}"}
        )
        for text in notices:
            self.stdout.write(gettext("Note: %(text)s") % {"text": text})
