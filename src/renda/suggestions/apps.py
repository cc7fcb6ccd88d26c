from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "renda.suggestions"
    label = "suggestions"
    verbose_name = _("Deputies' suggestions")

    def ready(self) -> None:
        # acts: the suggestion's acts and the module's audit labels, registered at start-up.
        from renda.suggestions import acts, notices, signals, workbench  # noqa: F401
