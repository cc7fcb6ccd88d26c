"""Redaction before publication: phones, ID numbers, the submitter's name, names, addresses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from renda.liaison.redact import redact


def test_phone_id_address_and_names_are_removed():
    text = (
        "我叫王建国，电话13812345678，座机0910-3312345，住在城关镇人民路88号3栋2单元501室，"
        "身份证610123199001011234。李秀英说路灯坏了。"
    )
    out = redact(text, submitter_name="王建国")
    for secret in ("王建国", "13812345678", "3312345", "88号", "501室", "610123199001011234", "李秀英"):
        assert secret not in out
    assert "路灯坏了" in out and "[电话]" in out and "[身份证号]" in out and "[地址]" in out


def test_common_words_and_place_names_are_kept():
    text = "王家坪自来水水压不足，高峰时段楼上经常停水；已于本周更换路灯，黄河边的护栏也修好了。"
    assert redact(text) == text


@settings(max_examples=60, deadline=None)
@given(
    before=st.text(alphabet="路灯坏了希望尽快修好请联系我们", max_size=20),
    after=st.text(alphabet="谢谢政府关心群众的事情", max_size=20),
    number=st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
)
def test_any_mobile_number_is_removed(before, after, number):
    assert number not in redact(f"{before}{number}{after}")
