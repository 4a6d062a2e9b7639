"""Process helpers for the chaos harness: find children, tell the living from the dead,
kill a whole process group. Linux only (``/proc``); ``psutil`` is used when installed."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

try:
    import psutil
except ImportError:  # not a dependency of syn0; /proc answers the same questions
    psutil = None


def _stat(pid: int) -> tuple[str, int] | None:
    """``(state, ppid)`` of ``pid`` from ``/proc/<pid>/stat``, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may hold spaces or ')': split after the last.
    state, ppid = raw[raw.rindex(")") + 2 :].split()[:2]
    return state, int(ppid)


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (killed, not yet reaped) counts as dead."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def children(pid: int) -> list[int]:
    """The living direct children of ``pid``, oldest pid first."""
    if psutil is not None:
        try:
            return sorted(c.pid for c in psutil.Process(pid).children() if alive(c.pid))
        except psutil.NoSuchProcess:
            return []
    # /proc/<pid>/task/<tid>/children needs CONFIG_PROC_CHILDREN; scanning /proc does not.
    tasks = list(Path(f"/proc/{pid}/task").glob("*/children"))
    if tasks:
        found = {int(p) for task in tasks for p in _read(task).split()}
    else:
        found = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = _stat(int(entry.name))
                if stat is not None and stat[1] == pid:
                    found.add(int(entry.name))
    return sorted(p for p in found if alive(p))


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def reaped(pid: int, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``pid`` to be gone even as a zombie; True if it is."""
    deadline = time.monotonic() + seconds
    while _stat(pid) is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def wait_dead(pids: list[int], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            raise AssertionError(f"processes {[p for p in pids if alive(p)]} outlived SIGKILL")
        time.sleep(0.02)


def kill(pids: list[int], sig: int = signal.SIGKILL) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Signal every process of group ``pgid`` (a process started with
    ``start_new_session=True`` leads its own group, and its children stay in it)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
