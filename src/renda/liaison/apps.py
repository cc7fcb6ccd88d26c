from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "renda.liaison"
    label = "liaison"
    verbose_name = _("Deputy homes and liaison stations")

    def ready(self) -> None:
        from renda.accounts.models import Organisation, Region
        from renda.core.audit import label_actions
        from renda.core.public_cache import invalidate_on_change, vary_on_cookie
        from renda.deputies.models import Deputy, DeputyGroup, Term
        from renda.liaison import acts, notices, signals, workbench  # noqa: F401  (acts: the workflows' acts)
        from renda.liaison.models import Appointment, Opinion, ReceptionDay, Station
        from renda.liaison.selectors import register_station_invitees
        from renda.liaison.templatetags.liaison_public import ELDER_COOKIE

        register_station_invitees()  # 代表活动: invite a station's deputies at once
        vary_on_cookie(ELDER_COOKIE)  # 长者模式 pages differ from the others
        # What the public portal shows: a change of any of these is a new version of its pages.
        invalidate_on_change(
            Station, ReceptionDay, Appointment, Opinion, Deputy, DeputyGroup, Term, Region, Organisation
        )

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
                # The permissions (a refusal is audited under the permission's name).
                "liaison.view_work": _("Open the liaison work pages"),
                "liaison.view_opinion": _("View a citizen's opinion"),
                "liaison.view_phone": _("See a citizen's full phone number"),
                "liaison.accept_opinion": _("Accept an opinion"),
                "liaison.reject_opinion": _("Decline an opinion"),
                "liaison.merge_opinion": _("Merge an opinion into another"),
                "liaison.refer_opinion": _("Refer an opinion to a department"),
                "liaison.handle_directly": _("Handle an opinion at the station"),
                "liaison.start_opinion": _("Start handling an opinion"),
                "liaison.answer_opinion": _("Answer an opinion"),
                "liaison.close_opinion": _("Close an opinion"),
                "liaison.moderate_opinion": _("Publish or withhold an opinion"),
                "liaison.handle_appointment": _("Handle a reception appointment"),
                "liaison.schedule_reception": _("Schedule reception days"),
                "liaison.manage_station": _("Manage a liaison station"),
            }
        )
