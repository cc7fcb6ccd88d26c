"""上传文件的检查: one check for every uploaded file — its type by its first bytes, its size.

The caller passes its own limits (allowed extensions, largest size); the file's name never
decides alone: a file whose first bytes do not match its extension is refused. Errors are
``ValidationError`` with the codes ``file_type``, ``file_size``, ``file_empty``, ``file_content``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# The first bytes of each kind of file Renda accepts (OFD, DOCX and XLSX are zip containers; DOC,
# XLS and WPS are OLE compound files).
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "ofd": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "wps": (b"\xd0\xcf\x11\xe0",),
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def upload_name(upload: UploadedFile) -> str:
    """The file's own name, without any path a browser sent, at most 150 characters."""
    return PurePath(upload.name or "file").name[-150:]


def sniffed_extension(upload: UploadedFile, among: Iterable[str]) -> str:
    """The first of ``among`` whose signature the file starts with ("" when none)."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for ext in among:
        if any(head.startswith(sig) for sig in SIGNATURES.get(ext, ())):
            return ext
    return ""


def upload_check(upload: UploadedFile, *, extensions: Iterable[str], max_bytes: int) -> str:
    """The file's extension if its name, size and first bytes are allowed; else ValidationError."""
    allowed = tuple(extensions)
    name = upload_name(upload)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise ValidationError(
            _("“%(name)s” is not an allowed file type. Allowed: %(types)s.")
            % {"name": name, "types": ", ".join(allowed)},
            code="file_type",
        )
    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": max_bytes // (1024 * 1024)},
            code="file_size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    if ext in SIGNATURES and not sniffed_extension(upload, (ext,)):
        raise ValidationError(
            _("“%(name)s” does not look like a %(ext)s file.") % {"name": name, "ext": ext.upper()},
            code="file_content",
        )
    return ext
