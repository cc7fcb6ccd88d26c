"""The kinds of notice 代表活动 sends (消息中心, ``renda.notifications``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from renda.notifications.kinds import EMAIL, INBOX, SMS, WECHAT, Kind, declare

ALL = (INBOX, WECHAT, SMS, EMAIL)

declare(
    Kind("activity.invited", _("Invitation to a deputy activity"), ALL),
    Kind("activity.reminder", _("Deputy activity reminder"), ALL, dedup=True),
    Kind("activity.changed", _("Deputy activity changed or cancelled"), ALL, urgent=True),
    Kind("activity.leave_asked", _("Leave request for an activity"), (INBOX,)),
    Kind("activity.leave_decided", _("Leave request decided"), (INBOX, WECHAT, SMS)),
)
