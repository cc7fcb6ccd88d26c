"""A Fiscal Data Package uploaded as one ``.zip``: its ``datapackage.json`` and the data files beside
it, checked before anything is written and unpacked into a directory of its own.

The archive is refused (:class:`UnreadableFile`, in Chinese, naming the member) when it is not a zip
file, holds too many members or too many bytes once unpacked (sizes are counted as the members are
written, not taken from the archive's own headers), a member compressed suspiciously well, a member
whose name leads outside the package (an absolute path, a drive, ``..``, a backslash, a control
character), a link, an encrypted member or the same name twice; or when it has no
``datapackage.json`` at its top (or inside its one top folder).
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from renda.budget.import_engine.sources import UnreadableFile

DESCRIPTOR = "datapackage.json"
MAX_MEMBERS = 500
MAX_UNPACKED_BYTES = 2 * 1024**3  # as the upload of one file (forms.UPLOAD_MAX_BYTES)
MAX_RATIO = 200  # unpacked ÷ packed, for members above a megabyte: a zip bomb
CHUNK = 1024 * 1024


def _bad_name(name: str) -> str:
    """Why a member's name is refused ('' when it is fine)."""
    if not name or "\x00" in name or any(ord(c) < 32 for c in name):
        return "名称含有控制字符"
    if "\\" in name:
        return "名称含有反斜杠"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "是绝对路径"
    parts = PurePosixPath(name).parts
    if any(part in {"..", "."} for part in parts) or "//" in name:
        return "路径指向数据包之外"
    return ""


def package_members(archive: zipfile.ZipFile, *, label: str) -> tuple[list[zipfile.ZipInfo], str]:
    """The archive's members, checked, and the name of its ``datapackage.json``."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(f"压缩包 {label} 有 {len(members)} 个成员，最多 {MAX_MEMBERS} 个")
    seen: set[str] = set()
    total = 0
    for info in members:
        name = info.filename
        why = _bad_name(name)
        if why:
            raise UnreadableFile(f"压缩包 {label} 的成员“{name}”{why}，拒绝导入", column=name)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnreadableFile(f"压缩包 {label} 的成员“{name}”是链接，拒绝导入", column=name)
        if info.flag_bits & 0x1:
            raise UnreadableFile(f"压缩包 {label} 的成员“{name}”已加密，无法读取", column=name)
        key = name.rstrip("/").casefold()
        if key in seen:
            raise UnreadableFile(f"压缩包 {label} 中“{name}”出现了两次", column=name)
        seen.add(key)
        total += info.file_size
        if info.file_size > CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(f"压缩包 {label} 的成员“{name}”压缩比异常，拒绝导入", column=name)
    if total > MAX_UNPACKED_BYTES:
        raise UnreadableFile(f"压缩包 {label} 解压后超过 {MAX_UNPACKED_BYTES // 1024**3} GB")
    files = [m.filename for m in members if not m.is_dir()]
    top = [n for n in files if n == DESCRIPTOR]
    if not top:
        folders = {PurePosixPath(n).parts[0] for n in files}
        inner = [n for n in files if len(PurePosixPath(n).parts) == 2 and PurePosixPath(n).name == DESCRIPTOR]
        if len(folders) == 1 and len(inner) == 1:
            top = inner
    if not top:
        raise UnreadableFile(
            f"压缩包 {label} 中没有 {DESCRIPTOR}：财政数据包应把描述文件 {DESCRIPTOR} "
            "放在压缩包的最上层，数据文件（CSV）放在它旁边",
            column=DESCRIPTOR,
        )
    return members, top[0]


def check_package_zip(stream: IO[bytes], *, label: str) -> None:
    """Check an uploaded package before it is kept (the upload form): refused with the reason."""
    try:
        with zipfile.ZipFile(stream) as archive:
            package_members(archive, label=label)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"{label} 不是有效的 zip 压缩包") from exc
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
                    raise UnreadableFile(f"压缩包 {label} 的成员“{info.filename}”路径指向数据包之外")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as member, target.open("wb") as out:
                    while chunk := member.read(CHUNK):
                        written += len(chunk)
                        if written > MAX_UNPACKED_BYTES:
                            raise UnreadableFile(
                                f"压缩包 {label} 解压后超过 {MAX_UNPACKED_BYTES // 1024**3} GB"
                            )
                        out.write(chunk)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"{label} 不是有效的 zip 压缩包") from exc
    except (OSError, RuntimeError, NotImplementedError) as exc:  # a damaged or unsupported member
        raise UnreadableFile(f"压缩包 {label} 无法解压：{exc}") from exc
    return root / descriptor
