"""The kinds of notice the budget module sends (消息中心, ``renda.notifications``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from renda.notifications.kinds import EMAIL, INBOX, SMS, WECHAT, Kind, declare

declare(
    Kind("finding.reply_due", _("Inquiry reply due soon"), (INBOX, WECHAT, SMS, EMAIL), dedup=True),
    Kind("finding.reply_overdue", _("Inquiry reply overdue"), (INBOX, WECHAT, SMS, EMAIL), dedup=True),
    # 函询在线答复 (services/inquiry_notices.py): the letter to the unit's clerks, the reply to the staff
    # who review it, the review back to the clerk.
    Kind("inquiry.sent", _("Inquiry letter to answer online"), (INBOX, WECHAT, SMS, EMAIL)),
    Kind("inquiry.reply_submitted", _("Inquiry reply to review"), (INBOX, WECHAT, EMAIL)),
    Kind("inquiry.reply_returned", _("Inquiry reply returned"), (INBOX, WECHAT, SMS, EMAIL)),
    Kind("inquiry.reply_accepted", _("Inquiry reply accepted"), (INBOX, WECHAT, EMAIL)),
)
