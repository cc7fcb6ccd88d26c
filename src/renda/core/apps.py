from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "renda.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from renda.core.audit import label_actions
        from renda.core.audit_labels import label_fields
        from renda.core.models import CalendarDay
        from renda.core.public_cache import invalidate_on_change

        invalidate_on_change(CalendarDay)  # deadlines and "answered in time" on public pages

        label_actions(
            {
                "core.audit_export": _("Export the audit log"),
                "core.view_audit": _("Read the audit log"),
                "core.calendar_day_set": _("Set a calendar day"),
                "core.calendar_day_remove": _("Remove a calendar day"),
                "core.calendar_import": _("Import holiday arrangements"),
                "core.edit_calendar": _("Edit the working-day calendar"),
                "core.view_calendar": _("View the working-day calendar"),
                "core.view_workbench": _("Open the workbench"),
                "core.demo_seed": _("Load the demo county"),
            }
        )
        # The audit details written beside the fields of the object (see renda.core.audit_display).
        label_fields(
            {
                "username": _("user name"),
                "locked": _("locked"),
                "failed_attempts": _("failed attempts"),
                "second_factor_devices": _("second-factor devices"),
                "must_change_password": _("must change password"),
                "year": _("year"),
                "inserted": _("days added"),
                "updated": _("days changed"),
                "unchanged": _("days unchanged"),
                "days": _("days"),
                "title": _("title"),
                "period_kind": _("kind of period"),
                "period": _("period"),
                "kind": _("kind"),
                "file_name": _("file name"),
                "dry_run": _("check only"),
                "status": _("status"),
                "inquiry": _("inquiry letter"),
                "reply_due": _("reply due"),
                "enabled": _("enabled"),
                "params": _("parameters"),
                "reception_day": _("reception day"),
                "phone": _("mobile phone"),
                "time": _("time"),
                "opinion": _("opinion"),
                "source": _("source"),
                "cosigner": _("co-signer"),
                "lead": _("lead unit"),
                "co": _("co-handling units"),
                "assignment": _("assignment"),
                "unit": _("unit"),
                "date": _("date"),
                "way": _("way"),
                "months": _("months"),
                "class": _("reply class"),
                "result": _("result"),
                "attitude": _("attitude"),
                "commitment": _("commitment"),
                "name": _("name"),
                "order": _("order"),
                "term": _("term"),
                "number": _("number"),
                "from": _("from"),
                "until": _("until"),
            }
        )
