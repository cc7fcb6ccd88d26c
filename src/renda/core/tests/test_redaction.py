"""脱敏 of texts that go public (suggestion replies, published opinions): real-looking letters."""

from __future__ import annotations

import pytest

from renda.core.redaction import redact_personal_data

REPLY = (
    "经核实，反映人王某（身份证号610425198803152318，电话13992871234）所住城关街道幸福小区3栋2单元501室"
    "屋顶渗漏问题属实。我局已于5月8日安排维修，如有疑问请联系0917-3212345。"
)


def test_a_reply_with_a_citizens_data_keeps_the_facts_and_loses_the_person():
    out = redact_personal_data(REPLY)
    assert "610425198803152318" not in out and "[身份证号]" in out
    assert "13992871234" not in out and "0917-3212345" not in out and out.count("[电话]") == 2
    assert "3栋2单元501室" not in out and "[地址]" in out
    # The facts stay: the unit's work, the date, the problem.
    assert "屋顶渗漏问题属实" in out and "5月8日" in out and "我局已" in out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("联系电话：139 9287 1234", "139 9287 1234"),
        ("手机+86-139-9287-1234转告", "9287"),
        ("座机(0917)3212345", "3212345"),
        ("身份证61042519880315231X已登记", "61042519880315231X"),
        ("老身份证610425880315231", "610425880315231"),
        ("住人民路88号", "88号"),
        ("家住东风村5组12号", "5组12号"),
        ("锦绣花园12号楼3单元", "12号楼"),
    ],
)
def test_personal_data_as_people_write_it(text, gone):
    assert gone not in redact_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "已于2026年10月底前完成3个小区的改造，投入资金120万元。",
        "县住房和城乡建设局会同城关镇政府，对幸福小区排水管网进行了改造。",
        "根据《中华人民共和国道路交通安全法》第十九条，已增设2处信号灯。",
    ],
)
def test_ordinary_reply_text_is_left_alone(text):
    assert redact_personal_data(text) == text
