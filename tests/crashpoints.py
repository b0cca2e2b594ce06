"""Stop a child process at a named crash point of the storage layer (nmgdash.storage.files.crashpoint).

Production code calls the public no-op ``files.crashpoint(step)``; the child script built here
replaces it with one that prints ``PAUSED <step>`` and sleeps, so a test can SIGKILL it there.
"""

from __future__ import annotations

import textwrap


def paused_at(step: str, body: str) -> str:
    """Python source for ``python -c``: pause at crash point ``step``, then run ``body``."""
    prelude = textwrap.dedent(f"""
        import time
        from nmgdash.storage import files

        def _pause(name):
            if name == {step!r}:
                print("PAUSED " + name, flush=True)
                time.sleep(60)

        files.crashpoint = _pause
    """)
    return prelude + textwrap.dedent(body)
