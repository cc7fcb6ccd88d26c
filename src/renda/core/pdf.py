"""PDF documents (交办单, 答复函, 报告) from HTML templates with WeasyPrint, Chinese fonts embedded.

Templates extend ``pdf/base.html``, which sets A4 pages and the Noto CJK fonts that the set-up
installs (``fonts-noto-cjk``); WeasyPrint embeds the glyphs it uses. A document is Chinese
whatever the reader's language (the official documents of a Chinese county: see
docs/architecture.md, “Languages”): it is rendered in :data:`DOCUMENT_LANGUAGE`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from renda.core.excel import content_disposition

#: The language of the printed documents (交办单, 答复函, 函询函, 履职档案, reports).
DOCUMENT_LANGUAGE = "zh-hans"


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes."""
    import weasyprint  # imported here: it loads Pango, which only PDF-making processes need

    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(template_name, context)
    return weasyprint.HTML(string=html).write_pdf()


def pdf_response(pdf: bytes, *, filename: str, fallback: str, inline: bool = False) -> HttpResponse:
    """An HTTP answer carrying ``pdf``, downloaded (or shown inline) under a UTF-8 file name."""
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = content_disposition(filename, fallback)
    response["Content-Disposition"] = (
        disposition.replace("attachment", "inline", 1) if inline else disposition
    )
    return response
