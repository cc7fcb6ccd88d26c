"""The kinds of notice the liaison module sends (消息中心, ``renda.notifications``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from renda.notifications.kinds import EMAIL, INBOX, SMS, WECHAT, Kind, declare

ALL = (INBOX, WECHAT, SMS, EMAIL)

declare(
    Kind("appointment.new", _("New reception appointment"), (INBOX, EMAIL)),
    Kind("opinion.new", _("New citizen's opinion"), (INBOX, EMAIL)),
    Kind("opinion.referred", _("Opinion referred to your department"), ALL),
    Kind("opinion.dissatisfied", _("Citizen not satisfied with an answer"), ALL, urgent=True),
    Kind("opinion.due", _("Opinion due soon"), ALL, dedup=True),
    Kind("opinion.overdue", _("Opinion overdue"), ALL, dedup=True),
    # A citizen's tracking code, by SMS to the number they gave (no account, no inbox).
    Kind("opinion.tracking_code", _("Tracking code of an opinion"), (SMS,), to_phone=True),
    Kind("appointment.tracking_code", _("Tracking code of an appointment"), (SMS,), to_phone=True),
    # The notices moved from the module's old table kept no kind of their own.
    Kind("opinion.notice", _("Notice about a citizen's opinion"), (INBOX,)),
)
