from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeputiesConfig(AppConfig):
    name = "renda.deputies"
    label = "deputies"
    verbose_name = _("Deputies")

    def ready(self) -> None:
        from renda.core.audit import label_actions
        from renda.deputies import acts, notices, rules_activities, workbench, workbench_activities  # noqa: F401

        # The permissions (a refusal is audited under the permission's name).
        label_actions(
            {
                "deputies.view_deputies": _("View the roster of deputies"),
                "deputies.view_deputy": _("View a deputy's record"),
                "deputies.view_deputy_phone": _("See a deputy's full mobile number"),
                "deputies.view_activities": _("View the deputies' activities"),
                "deputies.view_activity": _("View an activity"),
                "deputies.view_my_activities": _("View one's own activities"),
                "deputies.send_activity_reminders": _("Send activity reminders"),
                "deputies.archive_view": _("View a performance archive"),
                "deputies.archive_view_all": _("View every deputy's performance archive"),
                "deputies.archive_view_staff": _("Review the performance archives"),
            }
        )
