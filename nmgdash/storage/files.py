"""File primitives of the storage layer: durable writes, directory fsync, crash points."""

from __future__ import annotations

import os
import time
from pathlib import Path


def crashpoint(step: str) -> None:
    """A named point of a build, commit or undo (e.g. ``"db_building"``). Does nothing.

    Tests replace this function (``files.crashpoint = …`` in a child process) to stop the
    process at a known step and SIGKILL it; production code only calls it.
    """


def fsync_dir(d: Path) -> None:
    """fsync the directory ``d`` so a rename in it is durable (errors are ignored)."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)



def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: temp file beside it, fsync, ``os.replace``,
    directory fsync. Creates the folder. On error the old file is untouched and no temp file
    is left. Raises OSError (e.g. EROFS, ENOSPC)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{time.time_ns()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
