"""Pages: list (constant queries), create with similar suggestions, detail and acts, files,
documents (PDF with Chinese), statistics (Excel), the public results page, and the refusals."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from renda.conftest import pdf_first_page_ink
from renda.core.models import AuditEvent
from renda.notifications.models import Notification
from renda.suggestions import services
from renda.suggestions.models import State, Suggestion

from .conftest import CONTENT, pdf_upload

pytestmark = pytest.mark.django_db


def test_deputy_creates_a_draft_with_an_attachment(flow, client_for):
    client = client_for(flow.deputy.user)
    assert client.get(reverse("suggestions:create")).status_code == 200
    response = client.post(
        reverse("suggestions:create"),
        {
            "title": "关于城关街道停车难的建议",
            "content": CONTENT,
            "category": flow.category.pk,
            "cosigners": [flow.cosigner.pk],
            "files": [pdf_upload()],
        },
    )
    s = Suggestion.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("suggestions:detail", args=[s.pk])
    assert s.state == State.DRAFT and s.attachments.count() == 1 and s.cosigns.count() == 1


def test_create_with_a_bad_file_shows_the_error_and_saves_nothing(flow, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(flow.deputy.user)
    response = client.post(
        reverse("suggestions:create"),
        {
            "title": "关于停车难的建议",
            "content": CONTENT,
            "category": flow.category.pk,
            "files": [SimpleUploadedFile("a.exe", b"MZ....")],
        },
    )
    assert response.status_code == 400
    assert "a.exe" in response.content.decode()
    assert Suggestion.objects.count() == 0


def test_create_page_is_refused_to_units_and_staff(flow, client_for):
    for user in (flow.lead_clerk, flow.office):
        assert client_for(user).get(reverse("suggestions:create")).status_code == 403


def test_similar_suggestions_appear_as_the_deputy_types(flow, client_for, other_deputy):
    earlier = flow.to(State.REGISTERED, title="关于幸福小区老旧管网改造的建议")
    flow.to(
        State.REGISTERED,
        title="关于金桥镇特色农产品品牌建设的建议",
        content="扶持特色农产品品牌建设和电商销售，培育龙头企业。",
    )
    client = client_for(other_deputy.user)
    response = client.get(
        reverse("suggestions:similar"),
        {"title": "幸福小区管网改造", "content": "排水管网老化积水"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert earlier.title in html and "特色农产品" not in html
    assert f'href="{reverse("suggestions:detail", args=[earlier.pk])}"' not in html  # not theirs: no link
    office = client_for(flow.office).get(
        reverse("suggestions:similar_check"), {"title": "幸福小区管网改造", "exclude": earlier.pk}
    )
    assert earlier.title not in office.content.decode()


def test_list_costs_constant_queries(flow, client_for, django_assert_max_num_queries):
    for i in range(3):
        flow.to(State.ASSIGNED, title=f"关于第{i}号小区改造的建议")
    client = client_for(flow.office)
    client.get(reverse("suggestions:list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("suggestions:list"))
    for i in range(3, 12):
        flow.to(State.ASSIGNED, title=f"关于第{i}号小区改造的建议")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("suggestions:list"))
    assert response.content.decode().count('data-testid="suggestion-row"') == 12


def test_list_filters_overdue_and_htmx_partial(flow, client_for):
    import datetime as dt

    s = flow.to(State.IN_PROGRESS)
    Suggestion.objects.filter(pk=s.pk).update(reply_due=dt.date(2020, 1, 1))
    flow.to(State.IN_PROGRESS, title="关于另一个小区的建议")
    client = client_for(flow.office)
    response = client.get(reverse("suggestions:list"), {"due": "overdue"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.count('data-testid="suggestion-row"') == 1 and "<html" not in html


def test_detail_is_refused_to_others(flow, client_for, other_clerk, other_deputy, other_staff):
    s = flow.to(State.ASSIGNED)
    for user in (other_clerk, other_deputy.user, other_staff):
        assert client_for(user).get(reverse("suggestions:detail", args=[s.pk])).status_code == 403
    assert client_for(flow.co_clerk).get(reverse("suggestions:detail", args=[s.pk])).status_code == 200


def test_detail_shows_the_acts_the_user_may_do(flow, client_for):
    s = flow.to(State.ASSIGNED)
    html = client_for(flow.lead_clerk).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert 'data-testid="action-accept"' in html and 'data-testid="action-release"' in html
    assert 'data-testid="action-reply"' not in html and 'data-testid="action-opinion"' not in html
    html = client_for(flow.co_clerk).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert 'data-testid="action-opinion"' in html
    html = client_for(flow.office).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert 'data-testid="action-chase"' in html and 'data-testid="action-accept"' not in html


def test_act_view_runs_the_service_and_redirects(flow, client_for):
    s = flow.to(State.SUBMITTED)
    client = client_for(flow.office)
    response = client.post(reverse("suggestions:act", args=[s.pk, "register"]), {"register-category": ""})
    assert response.status_code == 302
    assert Suggestion.objects.get(pk=s.pk).state == State.REGISTERED


def test_act_from_the_wrong_state_shows_the_message_and_changes_nothing(flow, client_for):
    s = flow.to(State.CLOSED)
    client = client_for(flow.office)
    response = client.post(reverse("suggestions:act", args=[s.pk, "return"]), {"return-reason": "补充"})
    assert response.status_code == 400
    assert Suggestion.objects.get(pk=s.pk).state == State.CLOSED
    assert 'class="alert alert-danger"' in response.content.decode()


def test_reply_without_class_through_the_page(flow, client_for):
    s = flow.to(State.IN_PROGRESS)
    response = client_for(flow.lead_clerk).post(
        reverse("suggestions:act", args=[s.pk, "reply"]), {"reply-reply_class": "", "reply-text": "已研究"}
    )
    assert response.status_code == 400
    assert 'id="id_reply-reply_class-error"' in response.content.decode()
    assert Suggestion.objects.get(pk=s.pk).state == State.IN_PROGRESS


def test_rate_by_someone_else_through_the_page_is_403(flow, client_for):
    s = flow.to(State.REPLIED)
    response = client_for(flow.cosigner.user).post(
        reverse("suggestions:act", args=[s.pk, "rate"]), {"rate-result": "satisfied", "rate-attitude": "5"}
    )
    assert response.status_code == 403
    assert Suggestion.objects.get(pk=s.pk).state == State.REPLIED
    assert AuditEvent.objects.filter(action="suggestions.rate", outcome="refused").exists()


def test_unknown_act_is_404(flow, client_for):
    s = flow.to(State.SUBMITTED)
    assert client_for(flow.office).post(reverse("suggestions:act", args=[s.pk, "explode"])).status_code == 404


def test_attachment_is_served_only_to_those_who_may_see_it(flow, client_for, other_deputy):
    s = services.suggestion_create(
        actor=flow.deputy.user,
        title="关于停车的建议",
        content=CONTENT,
        category=flow.category,
        files=[pdf_upload()],
    )
    attachment = s.attachments.get()
    url = reverse("suggestions:attachment", args=[attachment.pk])
    response = client_for(flow.deputy.user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(other_deputy.user).get(url).status_code == 403
    assert client_for(flow.lead_clerk).get(url).status_code == 403


def test_assignment_sheet_pdf_renders_chinese(flow, client_for):
    s = flow.to(State.ASSIGNED)
    response = client_for(flow.lead_clerk).get(reverse("suggestions:assignment_sheet", args=[s.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdf_first_page_ink(response.content) > 0.01
    import pypdfium2

    text = pypdfium2.PdfDocument(response.content)[0].get_textpage().get_text_range()
    assert "交办单" in text and flow.lead_unit.name in text


def test_assignment_sheet_is_refused_to_other_units(flow, client_for, other_clerk):
    s = flow.to(State.ASSIGNED)
    assert (
        client_for(other_clerk).get(reverse("suggestions:assignment_sheet", args=[s.pk])).status_code == 403
    )


def test_reply_letter_pdf(flow, client_for):
    s = flow.to(State.REPLIED)
    reply = s.replies.get()
    response = client_for(flow.deputy.user).get(reverse("suggestions:reply_letter", args=[s.pk, reply.pk]))
    assert response.status_code == 200 and pdf_first_page_ink(response.content) > 0.005


def test_statistics_page_and_excel_export(flow, client_for):
    flow.to(State.CLOSED)
    flow.to(State.IN_PROGRESS, title="关于另一件事的建议")
    client = client_for(flow.office)
    response = client.get(reverse("suggestions:statistics"), {"by": "unit"})
    html = response.content.decode()
    assert response.status_code == 200 and "echarts.min.js" in html
    assert html.count('data-testid="statistics-row"') == 1
    response = client.get(reverse("suggestions:statistics"), {"by": "category", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[1][0] == flow.category.name and rows[1][1] == 2


def test_echarts_is_loaded_only_on_the_statistics_page(flow, client_for):
    html = client_for(flow.office).get(reverse("suggestions:list")).content.decode()
    assert "echarts" not in html


def test_statistics_refused_to_deputies_and_units(flow, client_for):
    for user in (flow.deputy.user, flow.lead_clerk):
        assert client_for(user).get(reverse("suggestions:statistics")).status_code == 403


def test_public_results_show_only_what_was_published(flow, client, client_for):
    s = flow.to(State.CLOSED)
    flow.to(State.CLOSED, title="关于未公开事项的建议")
    services.suggestion_publish(actor=flow.office, suggestion=s, summary="已完成管网改造，积水问题解决。")
    response = client.get(reverse("suggestions:public"))  # no sign-in
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="public-result"') == 1
    assert (
        s.title in html
        and flow.deputy.name in html
        and flow.lead_unit.name in html
        and "已完成管网改造" in html
    )
    assert "未公开事项" not in html
    assert CONTENT[:20] not in html and "已解决。" not in html  # neither the content nor the reply text


def test_categories_page_for_the_office_only(flow, client_for):
    client = client_for(flow.office)
    assert client.post(reverse("suggestions:categories"), {"name": "民族宗教", "order": 5}).status_code == 302
    assert client_for(flow.deputy.user).get(reverse("suggestions:categories")).status_code == 403


def _panel_html(user) -> str:
    from django.template.loader import render_to_string

    from renda.suggestions.workbench import suggestions_panels

    (panel,) = suggestions_panels(user)
    return render_to_string(panel.template, {"panel": panel})


def test_workbench_panels_per_role(flow):
    import datetime as dt

    s = flow.to(State.IN_PROGRESS)
    Suggestion.objects.filter(pk=s.pk).update(reply_due=dt.date(2020, 1, 1))
    flow.to(State.ASSIGNED, title="关于等待签收的建议")
    for user in (flow.office, flow.lead_clerk, flow.deputy.user):
        html = _panel_html(user)
        assert 'data-testid="suggestions-panel"' in html
        assert "badge text-bg-danger" in html  # the overdue one is on everyone's to-do list
    assert "关于等待签收的建议" in _panel_html(flow.lead_clerk)


def test_no_panel_for_those_outside_the_module(other_staff, citizen_user, admin_user):
    from renda.suggestions.workbench import suggestions_panels

    for user in (other_staff, citizen_user, admin_user):
        assert suggestions_panels(user) == []


def test_assignment_notices_reach_the_inbox_and_can_be_marked_read(
    flow, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = flow.to(State.ASSIGNED)
    client = client_for(flow.lead_clerk)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert suggestion.number in page and 'data-testid="notice-count"' in page
    assert client.post(reverse("notifications:mark_all_read")).status_code == 302
    assert not Notification.objects.filter(recipient=flow.lead_clerk, read_at__isnull=True).exists()
    assert 'data-testid="notice-count"' not in client.get(reverse("notifications:inbox")).content.decode()


def test_every_act_has_its_place_on_the_page():
    """The acts are declared once, in the order the page offers them: the main next step first."""
    from renda.suggestions.workflow import SUGGESTION

    assert list(SUGGESTION.acts) == [
        "submit",
        "cosign",
        "register",
        "assign",
        "accept",
        "opinion",
        "reply",
        "rate",
        "decide_extension",
        "reassign",
        "waive_opinion",
        "withdraw",
        "return",
        "convert",
        "merge",
        "release",
        "contact",
        "extend",
        "fulfil",
        "key",
        "chase",
        "publish",
        "unpublish",
    ]


def test_similar_is_refused_to_citizens_and_other_staff(client_for, citizen_user, other_staff):
    for user in (citizen_user, other_staff):
        response = client_for(user).get(reverse("suggestions:similar_check"), {"title": "幸福小区"})
        assert response.status_code == 403


def test_list_is_refused_to_citizens(client_for, citizen_user, client):
    assert client_for(citizen_user).get(reverse("suggestions:list")).status_code == 403
    assert client.get(reverse("suggestions:list")).status_code == 302  # to the sign-in page
