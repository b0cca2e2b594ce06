"""The image-export worker: ``python -m nmgdash.slides.renderer --chromium PATH --plotlyjs PATH``.

One worker process per server process renders plotly figures to PNG with kaleido (v1) in the system
Chromium; :mod:`nmgdash.slides.deck` starts it, talks to it over stdin/stdout and kills it (and its
browser) when an export hangs or the browser dies. Keeping kaleido, choreographer and their threads
out of the server process means a dead or hung browser can never block the server, its other users
or its shutdown.

Protocol (all integers big-endian):

* request (parent → worker): 4-byte length + UTF-8 JSON ``{"fig": <figure dict>, "opts": {...}}``
  (kaleido's ``opts``: format, width, height, scale); end of stdin = stop.
* reply (worker → parent): 1 status byte + 4-byte length + payload. ``R``: ready, payload = the
  browser's PID (sent once, after the browser started); ``K``: the PNG bytes; ``E``: an error text
  for the server log (never shown to users). After an ``E`` the worker exits; the parent starts a
  new one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import struct
import sys
from typing import BinaryIO

HEADER = struct.Struct(">I")
READY, OK, ERROR = b"R", b"K", b"E"


def write_frame(out: BinaryIO, payload: bytes, status: bytes = b"") -> None:
    """Write ``status`` (0 or 1 byte) + length + ``payload`` to ``out`` and flush."""
    out.write(status + HEADER.pack(len(payload)) + payload)
    out.flush()


def read_exact(inp: BinaryIO, n: int) -> bytes | None:
    """Exactly ``n`` bytes from ``inp``, or None at end of file."""
    buf = b""
    while len(buf) < n:
        chunk = inp.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_request(inp: BinaryIO) -> dict | None:
    """One request (a dict with ``fig`` and ``opts``), or None when stdin is closed."""
    head = read_exact(inp, HEADER.size)
    if head is None:
        return None
    body = read_exact(inp, HEADER.unpack(head)[0])
    return None if body is None else json.loads(body)


async def serve(inp: BinaryIO, out: BinaryIO, chromium: str, plotlyjs: str) -> None:
    """Start kaleido's browser, report ``R``, then answer requests until stdin closes or a render fails."""
    import kaleido  # noqa: PLC0415 (heavy optional library, loaded only in the worker process)

    loop = asyncio.get_running_loop()
    # mathjax=False: kaleido would otherwise load MathJax from a CDN; timeout=None: the parent times out
    async with kaleido.Kaleido(path=chromium, plotlyjs=plotlyjs, mathjax=False, n=1, timeout=None) as k:
        write_frame(out, str(k.subprocess.pid).encode(), READY)
        while True:
            request = await loop.run_in_executor(None, read_request, inp)
            if request is None:
                return
            if k.subprocess.poll() is not None:
                write_frame(out, f"browser exited with {k.subprocess.returncode}".encode(), ERROR)
                return
            try:
                data = await k.calc_fig(request["fig"], opts=request["opts"])
            except Exception as exc:  # reported to the parent, which restarts the worker
                write_frame(out, repr(exc).encode(), ERROR)
                return
            write_frame(out, data, OK)


def main(argv: list[str] | None = None) -> int:
    """Run the worker (see the module docstring). Stray prints of the libraries go to stderr."""
    parser = argparse.ArgumentParser(prog="python -m nmgdash.slides.renderer")
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--plotlyjs", required=True)
    args = parser.parse_args(argv)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # only the protocol goes to the parent
    try:
        asyncio.run(serve(sys.stdin.buffer, out, args.chromium, args.plotlyjs))
    except Exception as exc:  # e.g. the browser does not start: tell the parent, then exit
        try:
            write_frame(out, repr(exc).encode(), ERROR)
        except OSError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
