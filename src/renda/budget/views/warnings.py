"""Pages of 预警: the rules (budget staff read, administrators edit), and running them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renda.accounts.http import AuthedRequest
from renda.budget.forms_warnings import WarningRuleForm, WarningsRunForm
from renda.budget.selectors.warnings import (
    last_payment_day,
    recent_runs,
    run_notices,
    warning_rule_for_edit,
    warning_rules_overview,
    warning_years,
)
from renda.budget.services.warnings import warning_rule_update, warnings_evaluate
from renda.core.permissions import can, require


def _rules_context(request: AuthedRequest, run_form: WarningsRunForm | None = None) -> dict[str, Any]:
    user = request.user
    rules = warning_rules_overview(actor=user)
    can_run = can(user, "budget.run_warnings")
    if run_form is None and can_run:
        years = warning_years(actor=user)
        year = years[0] if years else timezone.localdate().year
        as_of = last_payment_day(year=year) or timezone.localdate()
        run_form = WarningsRunForm(initial={"year": year, "as_of": as_of})
    return {
        "rules": rules,
        "runs": recent_runs(actor=user),
        "run_form": run_form if can_run else None,
        "can_edit": can(user, "budget.edit_warning_rules"),
    }


@login_required
@never_cache
@require_GET
def warning_rules(request: AuthedRequest) -> HttpResponse:
    """预警规则: every rule with its switch, parameters and latest result; the run form."""
    return render(request, "budget/warnings/rules.html", _rules_context(request))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def warning_rule_edit(request: AuthedRequest, code: str) -> HttpResponse:
    """修改预警规则 (administrators): switch the rule and set its parameters."""
    rule = warning_rule_for_edit(actor=request.user, code=code)
    if request.method == "POST":
        form = WarningRuleForm(request.POST, code=rule.code)
        if form.is_valid():
            try:
                warning_rule_update(
                    actor=request.user,
                    code=rule.code,
                    enabled=form.cleaned_data["enabled"],
                    params=form.params(),
                )
            except ValidationError as error:
                form.apply_errors(error)
            else:
                messages.success(
                    request,
                    _("The rule %(code)s has been saved.") % {"code": f"{rule.code} {rule.spec.name}"},
                )
                return redirect("budget:warning_rules")
    else:
        values = {p.param.name: p.value for p in rule.params}
        form = WarningRuleForm(
            code=rule.code, initial=WarningRuleForm.initial_for(rule.code, rule.enabled, values)
        )
    status = 400 if form.errors else 200
    return render(request, "budget/warnings/edit.html", {"rule": rule, "form": form}, status=status)


@login_required
@require_POST
def warnings_run(request: AuthedRequest) -> HttpResponse:
    """运行预警: evaluate the enabled rules for a year as of a date, then show the findings."""
    form = WarningsRunForm(request.POST)
    if form.is_valid():
        year, as_of = form.cleaned_data["year"], form.cleaned_data["as_of"]
        try:
            run = warnings_evaluate(actor=request.user, year=year, as_of=as_of)
        except ValidationError as error:
            form.add_error("as_of" if error.code == "as_of" else "year", error)
        else:
            seconds = sum(r.get("seconds", 0) for r in run.per_rule.values())
            messages.success(
                request,
                _(
                    "The warning rules have been evaluated for %(year)s as of %(date)s: %(found)s findings, "
                    "%(new)s of them new (%(seconds)s s)."
                )
                % {
                    "year": year,
                    "date": as_of.isoformat(),
                    "found": run.found,
                    "new": run.new,
                    "seconds": f"{seconds:.1f}",
                },
            )
            for notice in run_notices(run):
                messages.warning(request, notice.text)
            return redirect(f"{reverse('budget:findings')}?year={year}")
    else:
        require(request.user, "budget.run_warnings")
    return render(request, "budget/warnings/rules.html", _rules_context(request, run_form=form), status=400)


urlpatterns = [
    path("warnings/rules/", warning_rules, name="warning_rules"),
    path("warnings/rules/<str:code>/", warning_rule_edit, name="warning_rule_edit"),
    path("warnings/run/", warnings_run, name="warnings_run"),
]
