from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetConfig(AppConfig):
    name = "renda.budget"
    label = "budget"
    verbose_name = _("Budget supervision")

    def ready(self) -> None:
        from renda.budget import acts, notices, workbench  # noqa: F401  (acts: the finding acts and their labels)
        from renda.budget.services.imports import import_batches_interrupted_at_start, import_task_register
        from renda.budget.tasks import import_batch_run
        from renda.core.audit import label_actions
        from renda.core.worker import worker_starting

        import_task_register(import_batch_run)  # the service enqueues it; the task calls the service
        worker_starting.connect(
            import_batches_interrupted_at_start, dispatch_uid="budget.imports_interrupted"
        )

        label_actions(
            {
                "budget.upload": _("Upload budget data"),
                "budget.import_interrupted": _("Import interrupted (task worker stopped)"),
                "budget.import_units": _("Import budget units"),
                "budget.import_indicators": _("Import budget indicators"),
                "budget.import_payments": _("Import treasury payments"),
                "budget.import_revenue": _("Import revenue"),
                "budget.import_debt": _("Import government debt"),
                "budget.import_classification": _("Import a classification"),
                "budget.import_indicators_change": _("Change a budget indicator by import"),
                "budget.import_payments_change": _("Change a payment by import"),
                "budget.import_units_change": _("Change a budget unit by import"),
                "budget.import_data": _("Import budget data"),
                "budget.feed_data": _("Push budget data"),
                "budget.view_budget": _("View budget data"),
                "budget.choose_amount_unit": _("Choose the unit amounts are shown in"),
                "budget.reply_to_inquiry": _("Answer an inquiry letter online"),
                "budget.view_inquiries": _("View the inquiry letters"),
                "budget.view_inquiry": _("View an inquiry letter"),
                "budget.view_own_inquiries": _("View the inquiry letters sent to one's unit"),
                "budget.finding_reply_reminders": _("Send reminders on inquiries awaiting a reply"),
                "budget.import_revenue_change": _("Change revenue by import"),
                "budget.import_debt_change": _("Change government debt by import"),
                "budget.import_classification_change": _("Change a classification by import"),
                "budget.view_imports": _("View budget imports"),
                "budget.view_analysis": _("View the budget analysis"),
                "budget.view_payee_account": _("View a payee's full account"),
                "budget.reopen_finished_finding": _("Reopen a closed warning finding"),
                # Also declared beside their service (renda.budget.services.warnings), which a
                # process may not have imported when it shows the audit log.
                "budget.warnings_run": _("Run the budget warning rules"),
                "budget.warning_rule_update": _("Change a budget warning rule"),
                "budget.run_warnings": _("Run the budget warning rules"),
                "budget.edit_warning_rules": _("Change a budget warning rule"),
                "budget.view_warning_rules": _("View the budget warning rules"),
            }
        )
