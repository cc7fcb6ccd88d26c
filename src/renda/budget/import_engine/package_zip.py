"""A Fiscal Data Package uploaded as one ``.zip``: its ``datapackage.json`` and the data files beside
it, checked before anything is written and unpacked into a directory of its own.

The archive is refused (:class:`UnreadableFile`, in the reader's language, naming the member)
when it is not a zip file; when it holds too many members or too many bytes once unpacked (sizes
are counted as the members are written, not taken from the archive's own headers); when a member
is compressed suspiciously well, is a link, is encrypted, appears twice, or has a name that leads
outside the package (an absolute path, a drive, ``..``, a backslash, a control character); or when
it has no ``datapackage.json`` at its top (or inside its one top folder).
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from django.utils.translation import gettext

from renda.budget.import_engine.sources import UnreadableFile

DESCRIPTOR = "datapackage.json"
MAX_MEMBERS = 500
MAX_UNPACKED_BYTES = 2 * 1024**3  # as the upload of one file (forms.UPLOAD_MAX_BYTES)
MAX_RATIO = 200  # unpacked ÷ packed, for members above a megabyte: a zip bomb
CHUNK = 1024 * 1024


def _bad_name(name: str) -> str:
    """Why a member's name is refused ('' when it is fine)."""
    if not name or "\x00" in name or any(ord(c) < 32 for c in name):
        return gettext("has a control character in its name")
    if "\\" in name:
        return gettext("has a backslash in its name")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return gettext("is an absolute path")
    parts = PurePosixPath(name).parts
    if any(part in {"..", "."} for part in parts) or "//" in name:
        return gettext("leads outside the package")
    return ""


def _refused(label: str, name: str, why: str) -> UnreadableFile:
    return UnreadableFile(
        gettext("The member “%(name)s” of the zip file %(label)s %(why)s: refused")
        % {"name": name, "label": label, "why": why},
        column=name,
    )


def _too_big(label: str) -> UnreadableFile:
    return UnreadableFile(
        gettext("The zip file %(label)s unpacks to more than %(gb)s GB")
        % {"label": label, "gb": MAX_UNPACKED_BYTES // 1024**3}
    )


def package_members(archive: zipfile.ZipFile, *, label: str) -> tuple[list[zipfile.ZipInfo], str]:
    """The archive's members, checked, and the name of its ``datapackage.json``."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(
            gettext("The zip file %(label)s holds %(count)s members; at most %(most)s are read")
            % {"label": label, "count": len(members), "most": MAX_MEMBERS}
        )
    seen: set[str] = set()
    total = 0
    for info in members:
        name = info.filename
        why = _bad_name(name)
        if why:
            raise _refused(label, name, why)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _refused(label, name, gettext("is a link"))
        if info.flag_bits & 0x1:
            raise UnreadableFile(
                gettext("The member “%(name)s” of the zip file %(label)s is encrypted and cannot be read")
                % {"name": name, "label": label},
                column=name,
            )
        key = name.rstrip("/").casefold()
        if key in seen:
            raise UnreadableFile(
                gettext("The zip file %(label)s holds “%(name)s” twice") % {"name": name, "label": label},
                column=name,
            )
        seen.add(key)
        total += info.file_size
        if info.file_size > CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refused(label, name, gettext("is compressed suspiciously well"))
    if total > MAX_UNPACKED_BYTES:
        raise _too_big(label)
    files = [m.filename for m in members if not m.is_dir()]
    top = [n for n in files if n == DESCRIPTOR]
    if not top:
        folders = {PurePosixPath(n).parts[0] for n in files}
        inner = [n for n in files if len(PurePosixPath(n).parts) == 2 and PurePosixPath(n).name == DESCRIPTOR]
        if len(folders) == 1 and len(inner) == 1:
            top = inner
    if not top:
        raise UnreadableFile(
            gettext(
                "The zip file %(label)s holds no %(descriptor)s: a Fiscal Data Package puts its "
                "%(descriptor)s at the top of the zip file, its data files (CSV) beside it"
            )
            % {"label": label, "descriptor": DESCRIPTOR},
            column=DESCRIPTOR,
        )
    return members, top[0]


def check_package_zip(stream: IO[bytes], *, label: str) -> None:
    """Check an uploaded package before it is kept (the upload form): refused with the reason."""
    try:
        with zipfile.ZipFile(stream) as archive:
            package_members(archive, label=label)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(gettext("%(label)s is not a valid zip file") % {"label": label}) from exc
    finally:
        stream.seek(0)


def unpack_package_zip(source: Path, into: Path, *, label: str = "") -> Path:
    """Unpack the package at ``source`` into the empty directory ``into``; its descriptor's path."""
    label = label or source.name
    root = into.resolve()
    try:
        with zipfile.ZipFile(source) as archive:
            members, descriptor = package_members(archive, label=label)
            written = 0
            for info in members:
                target = (root / info.filename).resolve()
                if target != root and root not in target.parents:  # (the names were checked)
                    raise _refused(label, info.filename, gettext("leads outside the package"))
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as member, target.open("wb") as out:
                    while chunk := member.read(CHUNK):
                        written += len(chunk)
                        if written > MAX_UNPACKED_BYTES:
                            raise _too_big(label)
                        out.write(chunk)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(gettext("%(label)s is not a valid zip file") % {"label": label}) from exc
    except (OSError, RuntimeError, NotImplementedError) as exc:  # a damaged or unsupported member
        raise UnreadableFile(
            gettext("The zip file %(label)s cannot be unpacked: %(error)s") % {"label": label, "error": exc}
        ) from exc
    return root / descriptor
