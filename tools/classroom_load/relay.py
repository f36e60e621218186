"""A TCP relay in front of a Streamlit server that times script runs as the server answers them.

    python -m tools.classroom_load.relay --listen 8600 --to 8501

Browser tabs talk to the relay; it forwards every byte both ways and, on the
`_stcore/stream` websocket, notes when a tab asked for a rerun and when the server
said that run finished. Printed on stdout, one JSON line per finished run:
{"kind": "page" | "fragment", "page": url path ("home" for the default page), "seconds": ...}.

Why: on one machine shared by thirty Chromium tabs, a tab's own clock (and even its
network timestamps, since Chromium stops reading a socket while the tab is busy) counts
the tab's drawing as server time. The relay runs at normal priority and sees the bytes
when the server writes them, as the students' laptops would on a network.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import zlib

STREAM_PATH = b"/_stcore/stream"
# ForwardMsg.ScriptFinishedStatus values (streamlit/proto/ForwardMsg.proto)
FINISHED_SUCCESSFULLY = 0
FINISHED_WITH_COMPILE_ERROR = 1
FINISHED_FRAGMENT_RUN_SUCCESSFULLY = 3


class FrameReader:
    """Turns one direction of a websocket byte stream into whole messages (RFC 6455)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._parts: list[bytes] = []
        self._opcode = 0
        self._compressed = False
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)  # permessage-deflate, if negotiated

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buffer += data
        messages = []
        while True:
            frame = self._next_frame()
            if frame is None:
                return messages
            first, payload = frame
            opcode = first & 0x0F
            if opcode >= 0x8:  # control frames (close, ping, pong) never carry messages
                continue
            if opcode != 0:
                self._parts, self._compressed, self._opcode = [], bool(first & 0x40), opcode
            self._parts.append(payload)
            if first & 0x80:  # FIN: the message is complete
                message = b"".join(self._parts)
                if self._compressed:
                    message = self._inflate.decompress(message + b"\x00\x00\xff\xff")
                messages.append((self._opcode, message))
                self._parts = []

    def _next_frame(self) -> tuple[int, bytes] | None:
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        first, second = buffer[0], buffer[1]
        length, offset = second & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length, offset = int.from_bytes(buffer[2:4], "big"), 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length, offset = int.from_bytes(buffer[2:10], "big"), 10
        mask = b""
        if second & 0x80:
            mask, offset = bytes(buffer[offset:offset + 4]), offset + 4
        if len(buffer) < offset + length:
            return None
        payload = bytes(buffer[offset:offset + length])
        del buffer[:offset + length]
        if mask:
            key = (mask * (length // 4 + 1))[:length]
            payload = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")
        return first, payload


class RunTimer:
    """Matches a tab's rerun requests with the server's "script finished" messages."""

    def __init__(self, report) -> None:
        self._report = report
        self._asked: dict[str, float] = {}  # kind -> when the first unanswered request passed
        self._page_paths: dict[str, str] = {}  # page script hash -> url path ("" for the default page)
        self._page = ""  # the url path of the page the server is running or last ran

    def from_tab(self, message: bytes) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        back = BackMsg()
        back.ParseFromString(message)
        if back.WhichOneof("type") == "rerun_script":
            kind = "fragment" if back.rerun_script.fragment_id else "page"
            # A rerun asked for while one is pending replaces it; the student waits from the first.
            self._asked.setdefault(kind, time.monotonic())

    def from_server(self, message: bytes) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        forward = ForwardMsg()
        forward.ParseFromString(message)
        kind = forward.WhichOneof("type")
        if kind == "navigation":  # sent at the start of every full run: which page this run is
            navigation = forward.navigation
            for page in navigation.app_pages:
                self._page_paths[page.page_script_hash] = "" if page.is_default else page.url_pathname
            self._page = self._page_paths.get(navigation.page_script_hash, self._page)
            return
        if kind != "script_finished":
            return
        status = forward.script_finished
        if status == FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            finished_kind = "fragment"
        elif status in (FINISHED_SUCCESSFULLY, FINISHED_WITH_COMPILE_ERROR):
            finished_kind = "page"
            # A full run redraws the page's fragments too (or leaves a page that had them):
            # a fragment rerun asked for before it is answered or gone, not still waiting.
            self._asked.pop("fragment", None)
        else:  # stopped early for a newer rerun: the student is still waiting
            return
        asked = self._asked.pop(finished_kind, None)
        if asked is not None:
            self._report({"kind": finished_kind, "page": self._page or "home",
                          "seconds": round(time.monotonic() - asked, 4)})


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, on_message=None) -> None:
    frames = FrameReader() if on_message else None
    try:
        while data := await reader.read(65536):
            writer.write(data)
            if frames is not None:
                try:
                    for opcode, message in frames.feed(data):
                        if opcode == 0x2:  # Streamlit's protobufs travel as binary messages
                            on_message(message)
                except Exception as error:  # noqa: BLE001 - timing must never cut a tab off its server
                    print(json.dumps({"parse_error": f"{type(error).__name__}: {error}"}), file=sys.stderr)
                    frames = None
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _relay(tab_reader, tab_writer, host: str, port: int, report) -> None:
    try:
        server_reader, server_writer = await asyncio.open_connection(host, port)
    except OSError:
        tab_writer.close()
        return
    try:
        head = await tab_reader.readuntil(b"\r\n\r\n")
        server_writer.write(head)
        if STREAM_PATH not in head.split(b"\r\n", 1)[0]:
            await asyncio.gather(_pump(tab_reader, server_writer), _pump(server_reader, tab_writer))
            return
        # The websocket: pass the server's upgrade answer through, then read frames both ways.
        answer = await server_reader.readuntil(b"\r\n\r\n")
        tab_writer.write(answer)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        tab_writer.close()
        server_writer.close()
        return
    timer = RunTimer(report)
    await asyncio.gather(_pump(tab_reader, server_writer, timer.from_tab),
                         _pump(server_reader, tab_writer, timer.from_server))


async def serve(listen_port: int, host: str, port: int, report, on_ready=None) -> None:
    """Relay 127.0.0.1:listen_port to host:port until cancelled; ``on_ready()`` once listening."""
    server = await asyncio.start_server(lambda r, w: _relay(r, w, host, port, report), "127.0.0.1", listen_port,
                                        limit=1 << 20)
    if on_ready is not None:
        on_ready()
    async with server:
        await server.serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--to", type=int, required=True, help="the Streamlit server's port on 127.0.0.1")
    args = parser.parse_args()

    def report(record: dict) -> None:
        print(json.dumps(record), flush=True)

    try:
        asyncio.run(serve(args.listen, "127.0.0.1", args.to, report,
                          on_ready=lambda: report({"listening": args.listen})))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
