from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "renda.suggestions"
    label = "suggestions"
    verbose_name = _("Deputies' suggestions")

    def ready(self) -> None:
        from renda.suggestions import signals, workbench  # noqa: F401
