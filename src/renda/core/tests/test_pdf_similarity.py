"""The shared PDF maker and the similarity search."""

from __future__ import annotations

from django.template import engines

from renda.conftest import pdf_first_page_ink
from renda.core.pdf import pdf_response, render_pdf
from renda.core.similarity import most_similar, tokens


def test_pdf_renders_chinese_text_visibly(tmp_path, settings):
    template = tmp_path / "pdf_probe.html"
    template.write_text(
        '{% extends "pdf/base.html" %}{% block content %}<h1>代表建议交办单</h1>'
        "<table><tr><th>承办单位</th><td>县住房和城乡建设局</td></tr></table>{% endblock %}",
        encoding="utf-8",
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    engines._engines = {}  # type: ignore[attr-defined]  # (private) pick up the changed template directories
    pdf = render_pdf("pdf_probe.html", {})
    assert pdf.startswith(b"%PDF")
    import pypdfium2

    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "代表建议交办单" in text and "县住房和城乡建设局" in text  # real text, not pictures of it
    assert pdf_first_page_ink(pdf) > 0.002
    response = pdf_response(pdf, filename="交办单.pdf", fallback="sheet.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%E4%BA%A4" in response["Content-Disposition"]


def test_tokens_drop_stop_words():
    words = tokens("关于加强城关镇老旧小区改造的建议")
    assert "老旧" in words or "老旧小区" in words
    assert "建议" not in words and "的" not in words


def test_most_similar_ranks_alike_texts_first():
    candidates = [
        (1, "城关镇老旧小区雨污分流改造进度缓慢"),
        (2, "农村义务教育学校师资配备不足"),
        (3, "老旧小区加装电梯与管网改造"),
    ]
    ranked = most_similar("加快老旧小区管网和雨污分流改造", candidates)
    keys = [key for key, _ in ranked]
    assert keys[0] in (1, 3) and 2 not in keys
    assert all(0 < score <= 1 for _, score in ranked)


def test_most_similar_handles_empty_input():
    assert most_similar("", [(1, "文本")]) == []
    assert most_similar("老旧小区", []) == []
