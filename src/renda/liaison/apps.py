from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "renda.liaison"
    label = "liaison"
    verbose_name = _("Deputy homes and liaison stations")

    def ready(self) -> None:
        from renda.core.audit import label_actions
        from renda.liaison import signals, workbench  # noqa: F401

        label_actions(
            {
                "liaison.station_update": _("Update a station's details"),
                "liaison.reception_day_schedule": _("Schedule a reception day"),
                "liaison.reception_day_cancel": _("Cancel a reception day"),
                "liaison.appointment_book": _("Book a reception"),
                "liaison.appointment_confirm": _("Confirm an appointment"),
                "liaison.appointment_reject": _("Decline an appointment"),
                "liaison.appointment_receive": _("Record a reception"),
                "liaison.appointment_no_show": _("Record a citizen who did not come"),
                "liaison.opinion_submit": _("Submit a citizen's opinion"),
                "liaison.opinion_accept": _("Accept an opinion"),
                "liaison.opinion_reject": _("Decline an opinion"),
                "liaison.opinion_merge": _("Merge an opinion"),
                "liaison.opinion_refer": _("Refer an opinion to a department"),
                "liaison.opinion_handle_directly": _("Answer an opinion directly"),
                "liaison.opinion_start": _("Start handling an opinion"),
                "liaison.opinion_answer": _("Answer an opinion"),
                "liaison.opinion_rate": _("Rate an answer"),
                "liaison.opinion_close": _("Close an opinion"),
                "liaison.opinion_publish": _("Publish an opinion"),
                "liaison.opinion_withhold": _("Withhold an opinion from publication"),
                "liaison.send_reminders": _("Send opinion reminders"),
                "liaison.deadlines_recompute": _("Recompute opinion deadlines"),
            }
        )
