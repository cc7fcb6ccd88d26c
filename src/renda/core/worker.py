"""The task worker's start: each module takes back the work a stopped worker left half done.

A worker killed in the middle of a task (a restart, the machine going down, out of memory) leaves
its task "running" for ever and whatever the task was doing in progress (an import stays
"写入中"). When ``manage.py run_task_worker`` starts, it sends :data:`worker_starting`; a module
connects a receiver (in its ``AppConfig.ready``) that fails its own unfinished work whose task no
live worker holds. :func:`worker_alive` tells a live worker from a dead one by its id, which
``run_task_worker`` makes from the machine's name and the process id (:func:`new_worker_id`).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from django.dispatch import Signal
from django.utils.crypto import get_random_string

# Sent by run_task_worker before it takes its first task, with ``worker_id`` (its own).
worker_starting = Signal()


def _host() -> str:
    return socket.gethostname()[:40].replace(":", "-") or "host"


def new_worker_id() -> str:
    """``host:pid:random`` (at most 64 characters, django-tasks' limit)."""
    return f"{_host()}:{os.getpid()}:{get_random_string(12)}"


def worker_alive(worker_id: str, *, current: str = "") -> bool | None:
    """Whether the worker of ``worker_id`` still runs: ``True``, ``False``, or ``None`` when it
    cannot be told (another machine's worker, an id not made by :func:`new_worker_id`)."""
    if current and worker_id == current:
        return True
    host, _sep, rest = worker_id.partition(":")
    pid_text = rest.partition(":")[0]
    if not pid_text.isdigit() or host != _host():
        return None
    pid = int(pid_text)
    if pid == os.getpid():  # an earlier worker that had this process id (a restarted container)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a process of another user has the id: not one of ours, unless we cannot tell
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return b"run_task_worker" in cmdline.read_bytes()  # not a process that took the id later
    except OSError:
        return True  # (no /proc: the process exists)
