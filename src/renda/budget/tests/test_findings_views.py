"""预警发现 pages: who may open them, the actions offered, letters and files served only after the
permission check, the list's query count, the 误报 share table, the letter PDF in Chinese."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import Role
from renda.budget.models import Finding, Inquiry
from renda.budget.services import findings as services
from renda.budget.tests.conftest import YEAR
from renda.budget.tests.test_findings import make_finding, pdf_upload, put_in_state
from renda.conftest import pdf_first_page_ink
from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db

State = Finding.State


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_staff(make_user, budget_org):
    return make_user(Role.STAFF, organisation=budget_org, real_name="李核实")


@pytest.fixture
def finding(loaded_year) -> Finding:
    return make_finding()


@pytest.fixture
def replied(budget_staff, finding) -> Inquiry:
    """A finding with its letter sent and the unit's scanned reply recorded."""
    put_in_state(finding, State.VERIFYING, budget_staff)
    inquiry = services.finding_inquire(actor=budget_staff, finding=finding)
    services.finding_record_reply(
        actor=budget_staff,
        finding=finding,
        outcome=State.EXPLAINED,
        reply_text="系跨年度项目。",
        reply_file=pdf_upload("第一中学复函.pdf"),
    )
    inquiry.refresh_from_db()
    return inquiry


def _pages(finding: Finding, inquiry: Inquiry | None = None) -> list[str]:
    urls = [
        reverse("budget:findings"),
        reverse("budget:findings") + f"?year={YEAR}&state=new",
        reverse("budget:finding", args=[finding.pk]),
    ]
    if inquiry is not None:
        urls += [
            reverse("budget:finding_letter", args=[inquiry.pk]),
            reverse("budget:finding_reply_file", args=[inquiry.pk]),
        ]
    return urls


def test_outsiders_are_refused_every_page_and_file(
    client_for,
    replied,
    finding,
    budget_staff,
    staff_user,
    deputy_user,
    unit_user,
    citizen_user,
    finance_feed_user,
):
    services.finding_close(actor=budget_staff, finding=finding, note="已核实。", attachment=pdf_upload())
    step = finding.steps.filter(to_state=State.CLOSED).get()  # steps are append-only: the file comes with it
    urls = [*_pages(finding, replied), reverse("budget:finding_step_file", args=[step.pk])]
    for outsider in (staff_user, deputy_user, unit_user, citizen_user, finance_feed_user):
        client = client_for(outsider)
        for url in urls:
            assert client.get(url).status_code == 403, (outsider.role, url)
        response = client.post(
            reverse("budget:finding_act", args=[finding.pk, "reopen"]), {"reopen-reason": "再看看"}
        )
        assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.state == State.CLOSED
    staff = client_for(budget_staff)
    for url in urls:
        assert staff.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(client, replied, finding):
    for url in _pages(finding, replied):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_nav_shows_findings_to_budget_staff_only(client_for, budget_staff, deputy_user, finding):
    url = reverse("budget:findings")
    assert f'href="{url}"' in client_for(budget_staff).get(reverse("budget:query")).content.decode()
    assert f'href="{url}"' not in client_for(deputy_user).get(reverse("budget:query")).content.decode()


def test_the_reply_file_is_served_through_the_permission_check(client_for, budget_staff, admin_user, replied):
    response = client_for(budget_staff).get(reverse("budget:finding_reply_file", args=[replied.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert (
        client_for(admin_user).get(reverse("budget:finding_reply_file", args=[replied.pk])).status_code == 200
    )
    page = client_for(budget_staff).get(reverse("budget:finding", args=[replied.finding_id])).content.decode()
    assert "第一中学复函.pdf" in page and "/media/" not in page  # never a public media address


def test_a_letter_without_a_reply_file_has_nothing_to_download(client_for, budget_staff, finding):
    put_in_state(finding, State.VERIFYING, budget_staff)
    inquiry = services.finding_inquire(actor=budget_staff, finding=finding)
    assert (
        client_for(budget_staff).get(reverse("budget:finding_reply_file", args=[inquiry.pk])).status_code
        == 404
    )


def test_the_letter_pdf_renders_chinese(client_for, budget_staff, finding):
    import pypdfium2

    put_in_state(finding, State.VERIFYING, budget_staff)
    inquiry = services.finding_inquire(actor=budget_staff, finding=finding)
    response = client_for(budget_staff).get(reverse("budget:finding_letter", args=[inquiry.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf_first_page_ink(pdf) > 0.01  # the first page, rendered to an image, is not blank
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert inquiry.number in text and "第一中学" in text and "特此函询" in text
    assert "预算工作委员会" in text  # signed by the budget committee


def test_the_detail_page_shows_the_finding_its_evidence_and_history(
    client_for, budget_staff, replied, finding
):
    page = client_for(budget_staff).get(reverse("budget:finding", args=[finding.pk])).content.decode()
    assert finding.message in page
    assert reverse("budget:voucher", args=[YEAR, "PZ001"]) in page
    assert reverse("budget:voucher", args=[YEAR, "PZ002"]) in page
    assert f"{reverse('budget:vouchers')}?year={YEAR}&amp;unit=101001&amp;function=2050201" in page
    assert replied.number in page and "系跨年度项目。" in page
    assert reverse("budget:finding_letter", args=[replied.pk]) in page
    assert page.count('data-testid="step"') == 2
    # 已说明: the next acts are closing (销号) and reopening; no letter, no reply form.
    assert 'data-testid="action-close"' in page and 'data-testid="action-reopen"' in page
    for absent in ("verify", "inquire", "reply", "false_positive"):
        assert f'data-testid="action-{absent}"' not in page


@pytest.mark.parametrize(
    ("state", "offered"),
    [
        (State.NEW, {"verify", "assign", "false_positive"}),
        (State.VERIFYING, {"inquire", "reply", "assign", "false_positive"}),
        (State.INQUIRED, {"reply", "assign", "false_positive"}),
        (State.REPLIED, {"accept_reply", "return_reply", "assign", "false_positive"}),
        (State.RECTIFIED, {"close", "assign", "reopen"}),
        (State.CLOSED, set()),
        (State.FALSE_POSITIVE, set()),
    ],
)
def test_only_the_allowed_acts_are_offered(client_for, budget_staff, finding, state, offered):
    put_in_state(finding, state, budget_staff)
    page = client_for(budget_staff).get(reverse("budget:finding", args=[finding.pk])).content.decode()
    shown = {name for name in services_actions() if f'data-testid="action-{name}"' in page}
    assert shown == offered
    assert ('data-testid="no-actions"' in page) == (not offered)


def services_actions() -> list[str]:
    from renda.budget.workflow import FINDING

    return list(FINDING.acts)


def test_an_administrator_is_offered_the_reopening_of_a_closed_finding(
    client_for, admin_user, budget_staff, finding
):
    put_in_state(finding, State.CLOSED, budget_staff)
    page = client_for(admin_user).get(reverse("budget:finding", args=[finding.pk])).content.decode()
    assert 'data-testid="action-reopen"' in page


def test_the_inquiry_form_is_drafted_and_the_edit_is_sent(client_for, budget_staff, finding):
    put_in_state(finding, State.VERIFYING, budget_staff)
    client = client_for(budget_staff)
    page = client.get(reverse("budget:finding", args=[finding.pk])).content.decode()
    assert "第一中学：" in page and "特此函询。" in page  # the template's draft in the textarea
    due = services.inquiry_draft(actor=budget_staff, finding=finding).reply_due
    response = client.post(
        reverse("budget:finding_act", args=[finding.pk, "inquire"]),
        {
            "inquire-recipient": "第一中学",
            "inquire-reply_due": due.isoformat(),
            "inquire-body": "第一中学：\n请说明。",
        },
    )
    assert response.status_code == 302
    inquiry = finding.inquiries.get()
    assert inquiry.body == "第一中学：\n请说明。" and inquiry.reply_due == due


def test_a_refused_or_invalid_act_is_a_page_not_a_crash(client_for, budget_staff, finding):
    client = client_for(budget_staff)
    # 销号 of a 新发现: not allowed by the table.
    response = client.post(reverse("budget:finding_act", args=[finding.pk, "close"]), {"close-note": "销号"})
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.content.decode()
    # 误报 without a reason.
    response = client.post(reverse("budget:finding_act", args=[finding.pk, "false_positive"]), {})
    assert response.status_code == 400
    assert 'id="id_false_positive-reason-error"' in response.content.decode()
    # a bad reply file.
    put_in_state(finding, State.INQUIRED, budget_staff)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("budget:finding_act", args=[finding.pk, "reply"]),
        {
            "reply-outcome": State.EXPLAINED,
            "reply-reply_text": "说明。",
            "reply-reply_file": SimpleUploadedFile("x.exe", b"MZ" + b"0" * 50),
        },
    )
    assert response.status_code == 400
    assert 'id="id_reply-reply_file-error"' in response.content.decode()
    assert client.post(reverse("budget:finding_act", args=[finding.pk, "nonsense"]), {}).status_code == 404
    finding.refresh_from_db()
    assert finding.state == State.INQUIRED and not finding.steps.exists()


def test_the_whole_way_through_the_pages(client_for, budget_staff, finding):
    client = client_for(budget_staff)
    act = lambda name, data, **kw: client.post(  # noqa: E731
        reverse("budget:finding_act", args=[finding.pk, name]), data, **kw
    )
    assert act("assign", {"assign-assignee": budget_staff.pk}).status_code == 302
    assert act("verify", {"verify-note": "开始核实"}).status_code == 302
    due = services.inquiry_draft(actor=budget_staff, finding=finding).reply_due
    draft = services.inquiry_draft(actor=budget_staff, finding=finding).body
    assert (
        act(
            "inquire",
            {"inquire-recipient": "第一中学", "inquire-reply_due": due.isoformat(), "inquire-body": draft},
        ).status_code
        == 302
    )
    response = act(
        "reply",
        {
            "reply-outcome": State.RECTIFIED,
            "reply-replied_on": timezone.localdate().isoformat(),
            "reply-reply_text": "已整改。",
            "reply-reply_file": pdf_upload("复函.pdf"),
        },
    )
    assert response.status_code == 302
    assert act("close", {"close-note": "整改到位，销号。"}).status_code == 302
    finding.refresh_from_db()
    assert finding.state == State.CLOSED and finding.assignee == budget_staff
    assert finding.inquiries.get().reply_file_name == "复函.pdf"
    listing = client.get(reverse("budget:findings"), {"year": YEAR, "state": State.CLOSED}).content.decode()
    assert f'data-pk="{finding.pk}"' in listing
    assert AuditEvent.objects.filter(object_type="budget.finding", object_id=str(finding.pk)).count() == 5


def test_the_list_costs_the_same_queries_for_few_or_many(client_for, budget_staff, other_staff, loaded_year):
    client = client_for(budget_staff)
    for i in range(3):
        make_finding(assignee=other_staff if i % 2 else budget_staff)
    url = reverse("budget:findings")
    client.get(url, {"year": YEAR})  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"year": YEAR}).status_code == 200
    for i in range(40):
        make_finding(
            assignee=other_staff if i % 2 else budget_staff,
            unit_code=("101", "102", "101001")[i % 3],
            rule_code=("EXEC_LAG", "NON_WORKDAY", "OUTLIER")[i % 3],
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"year": YEAR})
    assert response.content.decode().count('data-testid="finding-row"') == 30  # one page
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as htmx:
        partial = client.get(url, {"year": YEAR, "page": 2}, headers={"HX-Request": "true"})
    assert partial.content.decode().count('data-testid="finding-row"') == 13
    assert "<html" not in partial.content.decode()
    assert len(htmx) < len(many)


def test_the_list_shows_the_false_positive_share_per_rule(client_for, budget_staff, loaded_year):
    lag = [make_finding(rule_code="EXEC_LAG") for _ in range(4)]
    make_finding(rule_code="NON_WORKDAY", severity="yellow")
    services.finding_mark_false_positive(actor=budget_staff, finding=lag[0], reason="年末追加。")
    page = client_for(budget_staff).get(reverse("budget:findings"), {"year": YEAR}).content.decode()
    row = page.split('data-testid="rule-stat" data-rule="EXEC_LAG"')[1].split("</tr>")[0]
    assert '<td class="text-end" data-testid="rule-total">4</td>' in row
    assert "25.0%" in row
    row = page.split('data-testid="rule-stat" data-rule="NON_WORKDAY"')[1].split("</tr>")[0]
    assert "0.0%" in row
    row = page.split('data-testid="rule-stat" data-rule="OUTLIER"')[1].split("</tr>")[0]
    assert '<td class="text-end fw-semibold" data-testid="fp-share">—</td>' in row


def test_the_list_filters_and_its_run_form(client_for, budget_staff, deputy_user, loaded_year, settings):
    red = make_finding(rule_code="NO_INDICATOR", severity="red")
    yellow = make_finding(rule_code="NON_WORKDAY", severity="yellow", unit_code="102")
    client = client_for(budget_staff)
    page = client.get(reverse("budget:findings"), {"year": YEAR, "severity": "yellow"}).content.decode()
    assert f'data-pk="{yellow.pk}"' in page and f'data-pk="{red.pk}"' not in page
    page = client.get(reverse("budget:findings"), {"year": YEAR, "unit": "101"}).content.decode()
    assert f'data-pk="{red.pk}"' in page and f'data-pk="{yellow.pk}"' not in page
    # a bad filter value is ignored, not a crash
    assert client.get(reverse("budget:findings"), {"year": "abc", "state": "nope"}).status_code == 200
    from django.urls import NoReverseMatch

    try:
        run_url = reverse("budget:warnings_run")
    except NoReverseMatch:
        run_url = None
    page = client.get(reverse("budget:findings"), {"year": YEAR}).content.decode()
    if run_url:
        assert f'action="{run_url}"' in page and 'name="as_of"' in page and 'name="year"' in page
    else:
        assert 'data-testid="run-warnings-form"' not in page
