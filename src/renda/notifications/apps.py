from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "renda.notifications"
    label = "notifications"
    verbose_name = _("Notification centre")

    def ready(self) -> None:
        from renda.core.audit import label_actions
        from renda.notifications import notices, workbench  # noqa: F401  (the kinds of its own, the panel)

        label_actions(
            {
                "notifications.mark_read": _("Mark a notice read"),
                "notifications.mark_all_read": _("Mark all notices read"),
            }
        )
