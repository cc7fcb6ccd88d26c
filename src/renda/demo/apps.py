from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """示范县: the fictional demo county and synthetic data — the top floor (imports every module)."""

    name = "renda.demo"
    label = "demo"
    verbose_name = _("Demo county")

    def ready(self) -> None:
        from renda.core.demo import STARTUP_NOTES
        from renda.demo.county import demo_logins_text

        if demo_logins_text not in STARTUP_NOTES:
            STARTUP_NOTES.append(demo_logins_text)
