from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "renda.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from renda.core.audit import label_actions
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
                "core.view_workbench": _("Open the workbench"),
                "core.demo_seed": _("Load the demo county"),
            }
        )
