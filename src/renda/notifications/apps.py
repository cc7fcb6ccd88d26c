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
                "notifications.preferences_save": _("Change one's notification settings"),
                "notifications.role_defaults_save": _("Change a role's default notification channels"),
                "notifications.phone_code_send": _("Send a code to verify a mobile number"),
                "notifications.phone_verify": _("Verify a mobile number"),
                "notifications.wechat_bind": _("Bind one's WeChat"),
                "notifications.wechat_unbind": _("Unbind one's WeChat"),
                "notifications.failure_retry": _("Try a failed notification again"),
                "notifications.retry_failures": _("Try failed notifications again"),
                # The permissions (a refusal is audited under the permission's name).
                "notifications.view_inbox": _("Open one's notices"),
                "notifications.set_preferences": _("Change one's notification settings"),
                "notifications.manage_defaults": _("Change the roles' default notification channels"),
                "notifications.view_deliveries": _("View the delivery log"),
            }
        )
