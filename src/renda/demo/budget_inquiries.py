"""演示数据: 函询在线答复 — two letters of the demo year addressed to 县住房和城乡建设局, whose clerk is
the demo ``unit`` login: one awaiting the unit's reply (on its workbench), one answered online and
awaiting the budget committee's review. Through the services, as in real use. A second run changes
nothing: once a letter to the unit exists, the step does nothing.
"""

from __future__ import annotations

from django.conf import settings

from renda.accounts.models import Organisation
from renda.budget.models import BudgetUnit, Finding, Inquiry
from renda.budget.selectors.query import units_under
from renda.budget.services import findings as services
from renda.budget.services import inquiries
from renda.demo.county import ORG_HOUSING, register_demo_step

State = Finding.State


@register_demo_step(name="budget.inquiries", order=315)
def inquiries_demo(ctx) -> None:
    """A letter to 住建局 awaiting its reply, and one it answered online (复函待审核)."""
    from renda.demo.budget import DEMO_YEAR

    staff, clerk = ctx.users.get("budget"), ctx.users.get("unit")
    housing = Organisation.objects.filter(code=ORG_HOUSING).first()
    if staff is None or clerk is None or housing is None:
        ctx.notes.append("inquiries demo: no budget user, unit clerk or 住建局, nothing sent")
        return
    if Inquiry.objects.filter(organisation=housing, finding__year=DEMO_YEAR).exists():
        return  # already sent by an earlier run
    region = settings.RENDA_REGION_CODE
    department = (
        BudgetUnit.objects.filter(region_code=region, name__endswith="住房和城乡建设局")
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    if department is None:
        ctx.notes.append("inquiries demo: the budget year has no 住房和城乡建设局")
        return
    fresh = list(
        Finding.objects.filter(
            region_code=region, year=DEMO_YEAR, state=State.NEW, unit_code__in=units_under(department)
        ).order_by("severity", "-amount", "id")[:2]
    )
    for index, finding in enumerate(fresh):
        services.finding_verify(actor=staff, finding=finding, note="调取支付凭证和合同核实")
        letter = services.finding_inquire(actor=staff, finding=finding, organisation=housing)
        if index == 1:
            inquiries.inquiry_reply_submit(
                actor=clerk,
                inquiry=letter,
                outcome=State.EXPLAINED,
                reply_text=(
                    "经核实，该笔支出为老旧小区改造工程的进度款，已按合同约定和监理确认的工程量支付，"
                    "付款审批手续齐全。"
                ),
            )
    ctx.count("budget_inquiries_online", len(fresh), "函询在线答复 letters to the demo unit")
