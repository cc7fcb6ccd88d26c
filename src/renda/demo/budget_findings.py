"""演示数据: a few of the demo year's warning findings moved through the handling workflow.

Runs after the warning engine has evaluated the demo year. Through the services (so every step is
audited and recorded as in real use), the budget committee's demo user takes on six findings:
one stays 核实中, one 已函询 with its letter, one 已说明 with the unit's reply and scanned reply
letter, one 已整改 then 已销号, one 误报 with its reason, and one stays assigned (新发现). A second
run changes nothing: once any finding of the year has a step, the step does nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.budget.models import Finding, FindingStep, Inquiry
from renda.budget.services import findings as services
from renda.core.pdf import render_pdf
from renda.demo.county import register_demo_step

State = Finding.State
# Rules whose findings are most often in order after all: the demo's 误报 is one of these.
LIKELY_FALSE = ("NON_WORKDAY", "OUTLIER", "LARGE_PAYMENT", "BIG_ADJUSTMENT", "DUPLICATE_PAYMENT")


def _reply_letter(inquiry: Inquiry, text: str) -> SimpleUploadedFile:
    """The unit's reply letter as a scanned PDF would come (rendered here, in Chinese)."""
    pdf = render_pdf("budget/findings/pdf/demo_reply.html", {"inquiry": inquiry, "text": text})
    return SimpleUploadedFile(f"{inquiry.recipient}复函.pdf", pdf, content_type="application/pdf")


@register_demo_step(name="budget.findings", order=310)
def findings_demo(ctx) -> None:
    """Move a few demo findings through the workflow (assigned, 核实中, 已函询, 已说明, 已销号, 误报)."""
    from renda.demo.budget import DEMO_YEAR

    actor = ctx.users.get("budget")
    if actor is None:
        ctx.notes.append("findings demo: no budget committee user, nothing handled")
        return
    scope = {"region_code": settings.RENDA_REGION_CODE, "year": DEMO_YEAR}
    if FindingStep.objects.filter(
        finding__region_code=scope["region_code"], finding__year=DEMO_YEAR
    ).exists():
        return  # already handled by an earlier run
    fresh = list(Finding.objects.filter(**scope, state=State.NEW).order_by("severity", "rule_code", "key"))
    false_one: Finding | None = next((c for c in fresh if c.rule_code in LIKELY_FALSE), None)
    others = [c for c in fresh if c is not false_one]
    # Different rules first, so the demo shows the variety of the catalogue.
    picked: list[Finding] = []
    seen: set[str] = set()
    for candidate in others:
        if candidate.rule_code not in seen:
            picked.append(candidate)
            seen.add(candidate.rule_code)
    picked += [c for c in others if c not in picked]
    slots: list[Finding | None] = [*picked[:5], *[None] * (5 - len(picked[:5]))]
    verifying, inquired, explained, closed, assigned = slots
    handled = 0

    for x in (verifying, inquired, explained, closed, assigned, false_one):
        if x is not None:
            services.finding_assign(actor=actor, finding=x, assignee=actor, note="请核实处理")
    for x in (verifying, inquired, explained, closed):
        if x is not None:
            services.finding_verify(actor=actor, finding=x, note="调取支付凭证和指标文件核实")
            handled += 1
    for x in (inquired, explained, closed):
        if x is not None:
            services.finding_inquire(actor=actor, finding=x)
    if explained is not None:
        text = "经核实，该情况系年度预算执行中的正常安排，相关资金已按合同约定和工程进度支付，详见附件说明。"
        services.finding_record_reply(
            actor=actor,
            finding=explained,
            outcome=State.EXPLAINED,
            reply_text=text,
            reply_file=_reply_letter(explained.inquiries.get(), text),
        )
    if closed is not None:
        text = "已对照预算指标逐笔清理，相关支出已调整至正确的指标，并完善了支付审核程序。"
        services.finding_record_reply(
            actor=actor,
            finding=closed,
            outcome=State.RECTIFIED,
            reply_text=text,
            reply_file=_reply_letter(closed.inquiries.get(), text),
        )
        services.finding_close(actor=actor, finding=closed, note="整改材料齐全，经复核整改到位，予以销号。")
    if false_one is not None:
        services.finding_mark_false_positive(
            actor=actor,
            finding=false_one,
            reason="经核实，该笔支付属于正常业务（节假日值班期间的应急支出），不存在问题，作误报处理。",
        )
        handled += 1
    ctx.count("budget_findings_handled", handled, "预警发现处置 findings handled")
