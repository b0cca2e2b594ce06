"""A minimal Streamlit protocol client: opens the app's websocket like a browser tab does, asks
for one page (URL path + query string) and collects what the server sends until the script run
finishes. Used by the startup-race test (many first visits at once on a fresh server) and by the
load benchmark. It talks to localhost only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pyarrow as pa
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect


@dataclass
class PageRun:
    """What one script run sent: the exceptions (messages), the page titles (h1), every text
    element, the navigation's URL paths, the number of sidebar elements, whether the page-not-found message came, and the run's wall time in seconds."""

    exceptions: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    nav_pages: list[str] = field(default_factory=list)
    sidebar_widgets: int = 0
    page_not_found: bool = False
    finished: bool = False
    seconds: float = 0.0
    #: the dataframes (st.dataframe / st.table) as pandas frames, when ``run_page(tables=True)``
    tables: list = field(default_factory=list)


def _texts(delta, out: PageRun, tables: bool = False) -> None:
    el = delta.new_element
    kind = el.WhichOneof("type")
    if tables and kind == "dataframe" and el.dataframe.arrow_data.data:
        out.tables.append(pa.ipc.open_stream(el.dataframe.arrow_data.data).read_all().to_pandas())
    if kind == "exception":
        out.exceptions.append(f"{el.exception.type}: {el.exception.message}")
    elif kind == "heading":
        out.texts.append(el.heading.body)
        if el.heading.tag == "h1":
            out.titles.append(el.heading.body)
    elif kind == "markdown":
        out.texts.append(el.markdown.body)
    elif kind == "metric":
        out.texts.append(f"{el.metric.label} {el.metric.body}")


def run_page(base_url: str, page: str = "", query: str = "", timeout_s: float = 90.0, tables: bool = False) -> PageRun:
    """Open a session on ``base_url`` (http://127.0.0.1:PORT) and run the page at URL path ``page``
    with ``query`` (no leading "?"); ``tables``: also decode every dataframe (PageRun.tables).
    Raises TimeoutError when the run does not finish in time."""
    host = urlparse(base_url).netloc
    if not host.startswith(("127.", "localhost", "[::1]")):
        raise ValueError("st_client talks to localhost only")
    out = PageRun()
    t0 = time.perf_counter()
    with connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], open_timeout=timeout_s,
                 max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        ws.send(msg.SerializeToString())
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            raw = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta":
                if fwd.metadata.delta_path and fwd.metadata.delta_path[0] == 1:  # the sidebar container
                    out.sidebar_widgets += 1
                _texts(fwd.delta, out, tables)
            elif kind == "navigation":
                out.nav_pages = [p.url_pathname for p in fwd.navigation.app_pages]
            elif kind == "page_not_found":
                out.page_not_found = True
            elif kind == "script_finished":
                # a rerun (e.g. after a page switch) sends another script_finished; the status
                # FINISHED_SUCCESSFULLY or FINISHED_WITH_COMPILE_ERROR ends the visit
                if fwd.script_finished != ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN:
                    out.finished = True
                    break
        else:
            raise TimeoutError(f"{page or '/'}?{query}: no script_finished within {timeout_s} s")
    out.seconds = time.perf_counter() - t0
    return out
