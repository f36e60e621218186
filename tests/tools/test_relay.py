"""The class load tool's timing relay: websocket framing, and its times against a client's own.

The relay and the client share one event loop here, so this checks what it measures, not
that it stays right when the tabs are starved (that is what its normal priority is for).
"""

from __future__ import annotations

import asyncio
import zlib
from concurrent.futures import ThreadPoolExecutor

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.support.server import free_port, start_server
from tools.classroom_load.protocol_client import StreamlitSession
from tools.classroom_load.relay import FrameReader, RunTimer, serve


def frame(payload: bytes, opcode: int = 0x2, fin: bool = True, mask: bytes = b"", compressed: bool = False) -> bytes:
    first = (0x80 if fin else 0) | (0x40 if compressed else 0) | opcode
    length = len(payload)
    if length < 126:
        head = bytes([first, (0x80 if mask else 0) | length])
    elif length < 1 << 16:
        head = bytes([first, (0x80 if mask else 0) | 126]) + length.to_bytes(2, "big")
    else:
        head = bytes([first, (0x80 if mask else 0) | 127]) + length.to_bytes(8, "big")
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + payload


def rerun(fragment_id: str = "") -> bytes:
    message = BackMsg()
    message.rerun_script.page_script_hash = "abc"
    if fragment_id:
        message.rerun_script.fragment_id = fragment_id
    return message.SerializeToString()


def finished(status: int) -> bytes:
    message = ForwardMsg()
    message.script_finished = status
    return message.SerializeToString()


def test_frames_split_anywhere_masked_long_fragmented_and_compressed_come_out_whole() -> None:
    long_message = bytes(range(256)) * 300  # 76,800 bytes: the 64-bit length form
    medium_message = b"m" * 1000  # the 16-bit length form
    deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)

    def deflated(data: bytes) -> bytes:  # permessage-deflate drops the 00 00 ff ff tail
        return (deflate.compress(data) + deflate.flush(zlib.Z_SYNC_FLUSH))[:-4]

    first_compressed = deflated(b"squeezed " * 20)
    second_compressed = deflated(b"squeezed " * 20)  # refers back to the first: context kept
    stream = (
        frame(b"hello", mask=b"\x01\x02\x03\x04")
        + frame(b"", mask=b"\x05\x06\x07\x08")  # an empty masked message
        + frame(b"", opcode=0x9)  # a ping between messages
        + frame(long_message)
        + frame(medium_message[:400], fin=False)
        + frame(b"", opcode=0xA)  # a pong inside a fragmented message
        + frame(medium_message[400:], opcode=0x0)
        + frame(first_compressed[:5], fin=False, compressed=True) + frame(first_compressed[5:], opcode=0x0)
        + frame(second_compressed, compressed=True)
    )
    assert len(second_compressed) < len(first_compressed)
    reader = FrameReader()
    messages = []
    for start in range(0, len(stream), 7):  # the network hands over bytes in arbitrary pieces
        messages += reader.feed(stream[start:start + 7])
    assert messages == [(0x2, b"hello"), (0x2, b""), (0x2, long_message), (0x2, medium_message),
                        (0x2, b"squeezed " * 20), (0x2, b"squeezed " * 20)]


def test_run_timer_pairs_requests_with_their_finish_by_kind() -> None:
    reports: list[dict] = []
    timer = RunTimer(reports.append)
    timer.from_tab(rerun())
    timer.from_tab(rerun(fragment_id="live"))
    timer.from_server(finished(ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY))
    timer.from_tab(rerun())  # asked again before the first finished: the student waits from the first
    timer.from_server(finished(ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN))
    timer.from_server(finished(ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY))
    timer.from_server(finished(ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY))  # nothing pending
    timer.from_tab(rerun(fragment_id="live"))
    timer.from_tab(rerun())
    timer.from_server(finished(ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY))  # redrew the fragment
    timer.from_server(finished(ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY))
    timer.from_tab(rerun())
    timer.from_server(finished(ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR))  # answered too
    assert [r["kind"] for r in reports] == ["fragment", "page", "page", "page"]
    assert all(r["seconds"] >= 0 for r in reports)


def test_relay_times_agree_with_the_client_own_clock() -> None:
    server_port, relay_port = free_port(), free_port()
    server = start_server(server_port)
    reports: list[dict] = []

    async def visit() -> list[float]:
        ready = asyncio.Event()
        relay = asyncio.create_task(serve(relay_port, "127.0.0.1", server_port, reports.append, ready.set))
        await ready.wait()
        session = StreamlitSession(f"http://127.0.0.1:{relay_port}")
        await session.connect()
        own = [(await session.open(path)).seconds for path in ("", "tensors", "losses")]
        await session.close()
        relay.cancel()
        return own

    try:
        # Its own thread: browser tests earlier in the session may leave an event loop on this one.
        with ThreadPoolExecutor(max_workers=1) as worker:
            own_seconds = worker.submit(lambda: asyncio.run(visit())).result()
    finally:
        server.terminate()
        server.wait(timeout=30)
    relayed = [r["seconds"] for r in reports if r["kind"] == "page"]
    assert len(relayed) == 3
    for own, seen in zip(own_seconds, relayed, strict=True):
        # The relay sees the request a little after the client sent it and the answer a little
        # before the client reads it: never longer, and only the loopback hops shorter.
        assert seen <= own + 0.005
        assert own - seen < 0.25  # loopback hops; generous for a loaded 2-core machine
    assert [r["page"] for r in reports if r["kind"] == "page"] == ["home", "tensors", "losses"]
