"""Image export under faults (issue 14 §4): the browser killed between two exports, a hung export,
SIGTERM while an export hangs, no Chromium. The renderer runs in a worker process
(nmgdash.slides.renderer); a hung browser is simulated by a worker that says it is ready and then
never answers (``deck.worker_command`` replaced)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import plotly.graph_objects as go
import pytest

from nmgdash.core.i18n import t
from nmgdash.slides import deck
from tests.conftest import ROOT

needs_chromium = pytest.mark.skipif(not deck.available(), reason="needs /usr/bin/chromium (apt-get install chromium)")

#: A worker that reports ready (browser PID 0 = none) and then never answers: a hung browser.
HUNG_WORKER = [sys.executable, "-c", textwrap.dedent("""
    import struct, sys, time
    sys.stdout.buffer.write(b"R" + struct.pack(">I", 1) + b"0")
    sys.stdout.buffer.flush()
    time.sleep(600)
""")]


def figure() -> go.Figure:
    return go.Figure(go.Bar(x=["呼和浩特市", "包头市"], y=[3, 5]), layout={"title": "测试"})


def chromium_children(pid: int) -> list[int]:
    """PIDs of the Chromium processes started by ``pid`` (choreographer's wrapper runs Chromium as its child)."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open(f"/proc/{d}/stat").read()
            except OSError:
                continue
            comm, ppid = stat[stat.index("(") + 1:stat.rindex(")")], int(stat[stat.rindex(")") + 2:].split()[1])
            if ppid == pid and comm.startswith("chrom"):
                found.append(int(d))
    return found


def is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


@needs_chromium
def test_killed_browser_is_restarted_by_the_next_export():
    """Kill the Chromium that kaleido drives between two exports: the second export restarts it
    (used to hang forever with "Executor is closed" in the log)."""
    assert is_png(deck.png(figure(), 800, 450, 1))
    pid = deck.browser_pid()
    browsers = chromium_children(pid)
    assert len(browsers) == 1, browsers
    os.kill(browsers[0], signal.SIGKILL)
    time.sleep(0.5)
    start = time.monotonic()
    assert is_png(deck.png(figure(), 800, 450, 1))
    assert time.monotonic() - start < deck.START_TIMEOUT + deck.RENDER_TIMEOUT
    assert deck.browser_pid() not in (None, pid)


@needs_chromium
def test_hung_export_times_out_with_a_chinese_message_and_the_next_one_works(monkeypatch):
    deck.png(figure(), 400, 300, 1)  # a running worker, to be replaced by the hung one
    deck._worker.stop()
    monkeypatch.setattr(deck, "RENDER_TIMEOUT", 2.0)
    with monkeypatch.context() as m:
        m.setattr(deck, "worker_command", lambda: HUNG_WORKER)
        start = time.monotonic()
        with pytest.raises(deck.ExportTimeout) as info:
            deck.png(figure(), 400, 300, 1)
        took = time.monotonic() - start
    assert 2.0 <= took < 4.0, took
    assert str(info.value) == "生成图片超时（超过 2 秒），已中止。请稍后再试；若反复出现，请管理员查看服务器日志。"
    assert info.value.message_en.startswith("Rendering the image took too long (over 2 s)")
    assert deck.browser_pid() is None  # the hung worker was killed
    # the lock was released and the next export starts a real browser
    assert is_png(deck.png(figure(), 400, 300, 1))


def test_sigterm_stops_a_process_with_a_hung_export_within_10_s(tmp_path):
    """A server-like process (asyncio loop, SIGTERM handler, the export in ``asyncio.to_thread`` as
    Streamlit runs a download's callable) stops within 10 s of SIGTERM while an export hangs."""
    code = textwrap.dedent(f"""
        import asyncio, signal, sys
        import plotly.graph_objects as go
        from nmgdash.slides import deck

        deck.CHROMIUM = __import__("pathlib").Path(sys.executable)  # "available"; the worker is replaced
        deck.worker_command = lambda: {HUNG_WORKER!r}

        async def main():
            stop = asyncio.Event()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            export = asyncio.ensure_future(asyncio.to_thread(deck.png, go.Figure(go.Bar(y=[1]))))
            await asyncio.sleep(0.5)
            print("EXPORTING", flush=True)
            await stop.wait()
            print("STOPPING", flush=True)

        asyncio.run(main())
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "EXPORTING"
        time.sleep(0.5)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        took = time.monotonic() - start
    finally:
        proc.kill()
        out, err = proc.communicate()
    assert "STOPPING" in out
    assert took < 10, (took, err[-2000:])


def test_no_chromium_message_names_no_server_path(monkeypatch, tmp_path, caplog):
    missing = tmp_path / "no-chromium"
    monkeypatch.setattr(deck, "CHROMIUM", missing)
    assert not deck.available()
    with pytest.raises(deck.ExportUnavailable) as info:
        deck.png(figure())
    assert str(info.value) == t("export_unavailable") == (
        "服务器未安装 Chromium 浏览器，无法生成图片。请管理员安装 chromium 与 fonts-noto-cjk"
        "（见《部署与运维》“图片导出需要的 Chromium”一节）。")
    assert str(missing) not in info.value.message_zh + info.value.message_en
    assert str(missing) in caplog.text  # the path goes to the server log
