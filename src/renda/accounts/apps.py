from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "renda.accounts"
    label = "accounts"
    verbose_name = _("Users and organisations")

    def ready(self) -> None:
        from renda.accounts import (
            signals,  # noqa: F401
            workbench,  # noqa: F401
        )
        from renda.core.audit import label_actions

        label_actions(
            {
                "accounts.login": _("Sign in"),
                "accounts.logout": _("Sign out"),
                "accounts.password_change": _("Change own password"),
                "accounts.change_own_password": _("Change own password"),
                "accounts.second_factor_enrol": _("Set up the authenticator"),
                "accounts.enrol_second_factor": _("Set up the authenticator"),
                "accounts.user_create": _("Create a user"),
                "accounts.user_update": _("Change a user"),
                "accounts.user_password_reset": _("Reset a password"),
                "accounts.user_unlock": _("Unlock an account"),
                "accounts.user_second_factor_reset": _("Reset a second factor"),
                "accounts.manage_users": _("Manage users"),
                "accounts.organisation_create": _("Create an organisation"),
                "accounts.organisation_update": _("Change an organisation"),
                "accounts.manage_organisations": _("Manage organisations"),
                "accounts.view_organisations": _("View the organisations"),
                "accounts.region_create": _("Create a region"),
                "accounts.region_update": _("Change a region"),
                "accounts.manage_regions": _("Manage regions"),
                "accounts.api_token_issue": _("Issue an API token"),
                "accounts.issue_api_token": _("Issue an API token"),
                "accounts.api_token_revoke": _("Revoke an API token"),
                "accounts.manage_api_tokens": _("Manage API tokens"),
            }
        )
