from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "renda.liaison"
    label = "liaison"
    verbose_name = _("Deputy homes and liaison stations")

    def ready(self) -> None:
        from renda.core.audit import label_actions
        from renda.liaison import acts, notices, signals, workbench  # noqa: F401  (acts: the workflows' acts)

        # The acts of the work pages label their own audit actions (renda.liaison.acts); these are
        # the module's other actions: the public acts, the reception days, the scheduled work.
        label_actions(
            {
                "liaison.station_update": _("Update a station's details"),
                "liaison.reception_day_schedule": _("Schedule a reception day"),
                "liaison.reception_day_cancel": _("Cancel a reception day"),
                "liaison.appointment_book": _("Book a reception"),
                "liaison.opinion_submit": _("Submit a citizen's opinion"),
                "liaison.opinion_rate": _("Rate an answer"),
                "liaison.send_reminders": _("Send opinion reminders"),
                "liaison.deadlines_recompute": _("Recompute opinion deadlines"),
            }
        )
