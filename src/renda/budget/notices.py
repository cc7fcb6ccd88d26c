"""The kinds of notice the budget module sends (消息中心, ``renda.notifications``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from renda.notifications.kinds import EMAIL, INBOX, SMS, WECHAT, Kind, declare

declare(
    Kind("finding.reply_due", _("Inquiry reply due soon"), (INBOX, WECHAT, SMS, EMAIL), dedup=True),
    Kind("finding.reply_overdue", _("Inquiry reply overdue"), (INBOX, WECHAT, SMS, EMAIL), dedup=True),
)
