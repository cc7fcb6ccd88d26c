"""One upload check: the type by the first bytes, the size, the caller's limits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.core.uploads import sniffed_extension, upload_check

PDF = b"%PDF-1.7\n" + b"x" * 100


def codes(upload, **limits) -> str:
    try:
        return upload_check(upload, **limits)
    except ValidationError as error:
        return error.code or ""


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("复函.pdf", PDF, "pdf"),
        ("复函.PDF", PDF, "pdf"),
        ("../../etc/复函.pdf", PDF, "pdf"),  # a path sent by the browser is not the name
        ("复函.exe", PDF, "file_type"),
        ("复函", PDF, "file_type"),
        ("复函.pdf", b"MZ\x90\x00 not a pdf", "file_content"),  # an executable named .pdf
        ("照片.jpg", b"\x89PNG\r\n\x1a\n....", "file_content"),
        ("空.pdf", b"", "file_empty"),
        ("大.pdf", PDF + b"y" * 2048, "file_size"),
        ("说明.txt", b"plain text has no signature", "txt"),
    ],
)
def test_the_check_reads_the_first_bytes_and_the_callers_limits(name, content, expected):
    upload = SimpleUploadedFile(name, content)
    assert codes(upload, extensions=("pdf", "jpg", "txt"), max_bytes=1024) == expected
    assert upload.tell() == 0  # the file is left at its start for whoever stores it


def test_the_kind_is_found_among_the_callers_kinds_only():
    assert sniffed_extension(SimpleUploadedFile("x", b"\xff\xd8\xff\xe0"), ("png", "jpg")) == "jpg"
    assert sniffed_extension(SimpleUploadedFile("x", b"\xff\xd8\xff\xe0"), ("png", "pdf")) == ""
