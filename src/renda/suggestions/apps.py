from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "renda.suggestions"
    label = "suggestions"
    verbose_name = _("Deputies' suggestions")

    def ready(self) -> None:
        # acts: the suggestion's acts and the module's audit labels, registered at start-up.
        from renda.core.public_cache import invalidate_on_change
        from renda.suggestions import acts, notices, signals, workbench  # noqa: F401
        from renda.suggestions.models import (
            Assignment,
            Commitment,
            CoSign,
            Reply,
            Session,
            Suggestion,
            SuggestionCategory,
        )

        # What the public results show: a change of any of these is a new version of its pages.
        invalidate_on_change(Suggestion, Reply, Assignment, Commitment, CoSign, Session, SuggestionCategory)
