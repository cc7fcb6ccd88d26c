"""答复函 (issue 15.5): the fixed parts are printed once however the clerk wrote the letter; a
formal letter carries 联系人, 联系电话 (checked), 签发人 and the seal's position."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from renda.suggestions.letters import CLOSING, clean_contact_phone, letter_body, letter_parts
from renda.suggestions.models import Reply, SealPosition, State
from renda.suggestions.views import reply_letter_context

pytestmark = pytest.mark.django_db

# A letter as a county bureau's clerk writes it in Word and pastes it whole: salutation, opening,
# body with full-width indentation, closing, signature, date and the contacts.
WHOLE_LETTER = """尊敬的张建国代表：
　　您提出的《关于加快城关街道老旧小区改造的建议》收悉。现答复如下：
　　一、基本情况。我局高度重视，已将幸福小区、文化巷小区纳入2026年老旧小区改造计划。
　　二、下一步工作。雨污分流改造将于今年10月底前完工。
　　感谢您对我们工作的关心和支持！

县住房和城乡建设局
2026年5月8日
（联系人：李明；联系电话：0917-3212345）"""

BODY_ONLY = "一、基本情况。我局高度重视，已将幸福小区纳入改造计划。\n二、下一步工作。今年10月底前完工。"


def _reply_through_page(flow, client_for, text, **extra):
    s = flow.to(State.IN_PROGRESS, title="关于加快城关街道老旧小区改造的建议")
    s.deputy.person.name = "张建国"
    s.deputy.person.save()
    data = {
        "reply-reply_class": "A",
        "reply-text": text,
        "reply-contact_person": "李明",
        "reply-contact_phone": "0917-3212345",
        "reply-signer": "王建华",
        "reply-seal_position": SealPosition.OVER_SIGNATURE,
        **extra,
    }
    response = client_for(flow.lead_clerk).post(reverse("suggestions:act", args=[s.pk, "reply"]), data)
    return s, response


def _letter_html(s) -> str:
    s.refresh_from_db()
    reply = s.replies.get()
    return render_to_string("suggestions/pdf/reply_letter.html", reply_letter_context(s, reply))


@pytest.mark.parametrize("text", [WHOLE_LETTER, BODY_ONLY], ids=["whole-letter", "body-only"])
def test_a_letter_written_normally_has_one_salutation_and_one_closing(flow, client_for, text):
    s, response = _reply_through_page(flow, client_for, text)
    assert response.status_code == 302
    html = _letter_html(s)
    assert html.count("张建国代表：") == 1
    assert html.count("收悉") == 1
    assert html.count("关心和支持") == 1
    assert html.count("县住房和城乡建设局") == 2  # the title and the signature, not a third time
    assert "一、基本情况" in html and "二、下一步工作" in html
    reply = s.replies.get()
    assert not reply.text.startswith(("尊敬的", "张建国")) and "关心和支持" not in reply.text


def test_the_formal_letter_carries_contacts_signer_and_seal(flow, client_for):
    s, response = _reply_through_page(flow, client_for, BODY_ONLY)
    assert response.status_code == 302
    reply = s.replies.get()
    assert (reply.contact_person, reply.contact_phone, reply.signer) == ("李明", "0917-3212345", "王建华")
    assert reply.seal_position == SealPosition.OVER_SIGNATURE
    html = _letter_html(s)
    assert "签发人：王建华" in html and "联系人：李明" in html and "联系电话：0917-3212345" in html
    assert 'class="seal"' in html
    Reply.objects.filter(pk=reply.pk).update(seal_position=SealPosition.NONE)
    assert 'class="seal' not in _letter_html(s)


@pytest.mark.parametrize("phone", ["12345", "0917-32", "电话待定", "13812345678901", "+1 555 0100"])
def test_a_wrong_phone_is_refused_on_its_field_and_nothing_is_filed(flow, client_for, phone):
    s, response = _reply_through_page(flow, client_for, BODY_ONLY, **{"reply-contact_phone": phone})
    assert response.status_code == 400
    assert 'id="id_reply-contact_phone-error"' in response.content.decode()
    s.refresh_from_db()
    assert s.state == State.IN_PROGRESS and not s.replies.exists()


def test_missing_contact_and_signer_are_refused(flow, client_for):
    s, response = _reply_through_page(
        flow, client_for, BODY_ONLY, **{"reply-contact_person": "", "reply-signer": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_reply-contact_person-error"' in page and 'id="id_reply-signer-error"' in page
    assert not s.replies.exists()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("0917-3212345", "0917-3212345"),
        ("0917 3212345", "0917-3212345"),
        ("０９１７－３２１２３４５", "0917-3212345"),
        ("13812345678", "13812345678"),
        ("010-62345678-801", "010-62345678-801"),
    ],
)
def test_phone_numbers_as_people_write_them(raw, clean):
    assert clean_contact_phone(raw) == clean


def test_the_reply_form_shows_the_fixed_parts_around_the_body_in_the_main_column(flow, client_for):
    s = flow.to(State.IN_PROGRESS, title="关于加快城关街道老旧小区改造的建议")
    s.deputy.person.name = "张建国"
    s.deputy.person.save()
    page = client_for(flow.lead_clerk).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    editor = page[page.index('data-testid="reply-editor"') :]
    salutation = editor.index("张建国代表：")
    body = editor.index('name="reply-text"')
    closing = editor.index(CLOSING)
    assert salutation < body < closing < editor.index("县住房和城乡建设局")
    # The editor is in the main (wide) column, before the side column's cards.
    assert page.index('data-testid="reply-editor"') < page.index('class="col-12 col-lg-4"')
    # Filled in from the clerk: the contact person is the clerk's name.
    assert f'value="{flow.lead_clerk.display_name}"' in editor


@pytest.mark.parametrize(
    "text",
    [
        "张建国代表：您提出的关于道路的建议收悉，现答复如下：经研究，已安排资金。\n此复。",
        "张建国代表：\n您好！您提出的建议收到了。\n现将有关情况答复如下：\n经研究，已安排资金。\n\n特此答复。\n县交通运输局\n二〇二六年五月八日",
        "经研究，已安排资金。下一步将抓紧实施，再次感谢您对交通工作的关注和支持！",
    ],
)
def test_letter_body_takes_off_what_the_letter_adds(text):
    body = letter_body(text, deputy_name="张建国", unit_name="县交通运输局")
    assert body.startswith("经研究，已安排资金。")
    assert "代表" not in body and "感谢" not in body and "此复" not in body and "答复" not in body


def test_letter_body_keeps_a_body_that_mentions_thanks_or_deputies_inside():
    text = "一、代表提出的问题已转交县交通运输局。\n二、感谢群众反映的线索，我们已核实。\n三、年内完成。"
    assert letter_body(text, deputy_name="张建国", unit_name="县住建局") == text


def test_opening_names_the_title_once():
    parts = letter_parts(deputy_name="张建国", title="关于修缮校舍的建议", unit_name="县教育局")
    assert parts.opening == "您提出的《关于修缮校舍的建议》收悉。现答复如下："
    assert (
        letter_parts(deputy_name="张建国", title="校舍修缮", unit_name="县教育局").opening.count("建议") == 1
    )
