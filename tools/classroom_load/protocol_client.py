"""A light Streamlit client: one server session over the app's own websocket protocol.

It does what the browser's frontend does for the server, and nothing it does for
the screen: it asks for script runs (opening a page, changing a widget, clicking a
button), keeps the widget ids and the texts the script sent, and, like the
frontend, reruns a fragment that asked for ``run_every`` on its own clock. A
benchmark can open dozens of these on the machine that runs the server and so
measure the server, where dozens of Chromium tabs would measure Chromium.

The messages are Streamlit's protobufs (``streamlit.proto``), the same the
frontend sends; nothing here reaches into the server process.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
FINISHED_SUCCESSFULLY = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FRAGMENT_FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


@dataclass
class Element:
    kind: str  # the element's protobuf field: "button", "number_input", "metric", "alert", ...
    label: str
    text: str  # what it shows: a body, a value, a progress text
    widget_id: str = ""


@dataclass
class ScriptRun:
    """What one full run of the page sent, and how long the server took."""

    elements: list[Element] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def texts(self) -> str:
        return "\n".join(e.text for e in self.elements)


def _describe(kind: str, proto) -> Element:
    label = getattr(proto, "label", "") or ""
    widget_id = getattr(proto, "id", "") or ""
    for name in ("body", "text", "message"):
        text = getattr(proto, name, None)
        if isinstance(text, str) and text:
            break
    else:
        text = label
    if kind == "metric":
        text = f"{label}\n{proto.body}"
    return Element(kind, label, text, widget_id)


def browser_cookie(base_url: str, timeout_s: float = 120) -> str:
    """A new browser's cookie header, as the frontend gets it before opening its websocket.

    The frontend asks ``/_stcore/health`` first, and the server answers with its XSRF
    cookie: a random token that then stays with that browser. Sessions that send the same
    cookie are tabs of one browser (one student, for the app); a session without one is a
    browser of its own. Returns "" when the server sets no such cookie (XSRF off).
    """
    with urllib.request.urlopen(f"{base_url.rstrip('/')}/_stcore/health", timeout=timeout_s) as reply:
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == XSRF_COOKIE:
                return f"{XSRF_COOKIE}={rest.split(';', 1)[0]}"
    return ""


class StreamlitSession:
    """One browser tab's worth of server work, without the browser.

    ``cookie`` (a Cookie header, see :func:`browser_cookie`) makes it a tab of that
    browser; without one it is a tab of a browser with no cookies.
    """

    def __init__(self, base_url: str, cookie: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie
        self.pages: dict[str, str] = {}  # url path ("" for the default page) -> page script hash
        self.page_hash = ""
        self.query_string = ""
        self.widgets: dict[str, Element] = {}  # label -> latest widget element with that label
        self.latest = ScriptRun()  # the newest finished full run
        self.fragment_runs = 0
        self.fragment_seconds: list[float] = []  # each fragment rerun, from asking until it finished
        self.last_fragment = ScriptRun()  # what the newest fragment rerun sent
        self._fragment_sent: float | None = None
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._tickers: dict[str, asyncio.Task] = {}
        self._intervals: dict[str, float] = {}
        self._building = ScriptRun()
        self._finished: asyncio.Queue[int] = asyncio.Queue()

    async def connect(self) -> None:
        scheme, address = self.base_url.split("://", 1)  # address keeps any path prefix
        self._socket = await websockets.connect(
            f"{'wss' if scheme == 'https' else 'ws'}://{address}/_stcore/stream", subprotocols=["streamlit"], origin=self.base_url,
            max_size=None, open_timeout=120, ping_interval=None,
            additional_headers={"Cookie": self.cookie} if self.cookie else None,
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        for ticker in self._tickers.values():
            ticker.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()

    # -- asking for runs
    async def open(self, url_path: str = "", timeout_s: float = 300, query: str = "") -> ScriptRun:
        """Open a page as a click in the sidebar does (with ``query``: as a link such as
        ``/classroom?class=CODE`` or a page link with query parameters does); returns when its
        script has finished. ``url_path`` "" is the default page. Before the server has listed its
        pages (the session's first run), the page goes by its url path alone, as a first load of
        that address does."""
        page_hash = self.pages.get(url_path, "")
        if url_path != "" and not page_hash and self.pages:
            raise KeyError(f"no page at /{url_path} (the server listed {sorted(self.pages)})")
        self.page_hash, self.query_string = page_hash, query
        self._stop_ticking()  # as the frontend does on a page change
        return await self._run(timeout_s=timeout_s, page_name=url_path)

    async def set_widget(self, label: str, value: int | float | str | bool, timeout_s: float = 300) -> ScriptRun:
        """Change a widget, as typing a value and pressing Enter does."""
        return await self._run([self._valued_state(label, value)], timeout_s=timeout_s)

    async def submit(self, values: dict[str, int | float | str | bool], button: str,
                     timeout_s: float = 300) -> ScriptRun:
        """Fill a form's fields and press its submit button: one rerun, as a form sends its values."""
        states = [self._valued_state(label, value) for label, value in values.items()]
        pressed = self._state(button)
        pressed.trigger_value = True
        return await self._run([*states, pressed], timeout_s=timeout_s)

    def _valued_state(self, label: str, value: int | float | str | bool) -> WidgetState:
        state = self._state(label)
        if isinstance(value, bool):
            state.bool_value = value
        elif isinstance(value, int):
            state.int_value = value
        elif isinstance(value, float):
            state.double_value = value
        else:
            state.string_value = value
        return state

    async def click(self, label: str, timeout_s: float = 300) -> ScriptRun:
        state = self._state(label)
        state.trigger_value = True
        return await self._run([state], timeout_s=timeout_s)

    def _state(self, label: str) -> WidgetState:
        element = self.widgets.get(label)
        if element is None or not element.widget_id:
            raise KeyError(f"no widget labelled {label!r} on this page")
        return WidgetState(id=element.widget_id)

    async def _run(self, widgets: list[WidgetState] = (), fragment_id: str = "", timeout_s: float = 300,
                   page_name: str = "") -> ScriptRun:
        message = BackMsg()
        client = message.rerun_script
        client.query_string = self.query_string
        client.page_script_hash = self.page_hash
        client.page_name = page_name
        client.widget_states.widgets.extend(widgets)
        if fragment_id:
            client.fragment_id = fragment_id
            client.is_auto_rerun = True
            if self._fragment_sent is None:  # one pending at a time, as the relay times it
                self._fragment_sent = time.monotonic()
            await self._socket.send(message.SerializeToString())
            return self.latest
        self._fragment_sent = None
        while not self._finished.empty():  # forget runs that ended before this request
            self._finished.get_nowait()
        sent = time.monotonic()
        await self._socket.send(message.SerializeToString())
        # A script may rerun itself (st.rerun): wait for a run that really finished.
        await asyncio.wait_for(self._wait_finished(), timeout_s)
        self.latest.seconds = time.monotonic() - sent
        return self.latest

    async def _wait_finished(self) -> None:
        while await self._finished.get() != FINISHED_SUCCESSFULLY:
            pass

    # -- what the server sends
    async def _read(self) -> None:
        async for data in self._socket:
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind == "navigation":
                self.pages = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
                for page in message.navigation.app_pages:
                    if page.is_default:
                        self.pages[""] = page.page_script_hash
                if message.navigation.page_script_hash:  # the page this run is: later reruns stay on it
                    self.page_hash = message.navigation.page_script_hash
            elif kind == "new_session":
                self._building = ScriptRun()
                if not message.metadata.run.fragment_ids:
                    # A full run starts the page over: like the frontend, stop rerunning the previous
                    # run's fragments; this run asks again for those it still has. A fragment left
                    # behind (a leaderboard on a page left, a live panel gone) would otherwise keep
                    # asking the server for reruns it no longer knows.
                    self._stop_ticking()
            elif kind == "page_info_changed":
                self.query_string = message.page_info_changed.query_string
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                element_kind = element.WhichOneof("type")
                if element_kind is None:
                    continue
                described = _describe(element_kind, getattr(element, element_kind))
                self._building.elements.append(described)
                if element_kind == "exception":
                    self._building.exceptions.append(described.text)
                if described.widget_id and described.label:
                    self.widgets[described.label] = described
            elif kind == "auto_rerun":
                self._tick(message.auto_rerun.fragment_id, message.auto_rerun.interval)
            elif kind == "stop_auto_rerun":
                for fragment_id in message.stop_auto_rerun.fragment_ids:
                    self._intervals.pop(fragment_id, None)
                    ticker = self._tickers.pop(fragment_id, None)
                    if ticker is not None:
                        ticker.cancel()
            elif kind == "script_finished":
                status = message.script_finished
                if status == FRAGMENT_FINISHED:
                    self.fragment_runs += 1
                    self.last_fragment = self._building
                    if self._fragment_sent is not None:
                        self.fragment_seconds.append(time.monotonic() - self._fragment_sent)
                        self._fragment_sent = None
                elif status == FINISHED_SUCCESSFULLY:
                    self.latest = self._building
                self._building = ScriptRun()
                self._finished.put_nowait(status)

    def _tick(self, fragment_id: str, interval: float) -> None:
        """Rerun a fragment every ``interval`` seconds, as the frontend does for run_every (a
        fragment already ticking at that interval keeps its clock)."""
        known = self._tickers.get(fragment_id)
        if known is not None and not known.done() and self._intervals.get(fragment_id) == interval:
            return
        if known is not None:
            known.cancel()

        async def tick() -> None:
            while True:
                await asyncio.sleep(interval)
                await self._run(fragment_id=fragment_id)

        self._tickers[fragment_id] = asyncio.create_task(tick())
        self._intervals[fragment_id] = interval

    def ticking(self, at_most_s: float = float("inf")) -> bool:
        """Whether some fragment of the page still asks to be rerun, every ``at_most_s`` seconds or more often."""
        return any(not ticker.done() and self._intervals.get(fragment_id, 0.0) <= at_most_s
                   for fragment_id, ticker in self._tickers.items())

    def _stop_ticking(self) -> None:
        for ticker in self._tickers.values():
            ticker.cancel()
        self._tickers.clear()
        self._intervals.clear()

