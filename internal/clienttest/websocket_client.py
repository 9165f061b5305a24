"""A WebSocket client test of testbed's websocket kind, with Python's
websockets library (Debian: python3-websockets).

usage: client.py BASE_URL [CA_FILE]   (BASE_URL like ws://127.0.0.1:8080)
Prints "ok" when every check passed; fails with a traceback otherwise.
"""
import asyncio
import ssl
import sys

import websockets


def headers(ws):
    resp = getattr(ws, "response", None)
    return resp.headers if resp is not None else ws.response_headers


def close_code(exc):
    rcvd = getattr(exc, "rcvd", None)
    return rcvd.code if rcvd is not None else exc.code


async def main(base, cafile):
    ctx = ssl.create_default_context(cafile=cafile) if base.startswith("wss:") else None
    async with websockets.connect(base + "/echo", subprotocols=["echo"], ssl=ctx,
                                  compression="deflate", max_size=1 << 24) as ws:
        assert ws.subprotocol == "echo", ws.subprotocol
        ext = headers(ws).get("Sec-WebSocket-Extensions", "")
        assert "permessage-deflate" in ext, ext
        await ws.send("hello")
        assert await ws.recv() == "hello"
        big = bytes(range(256)) * 8192  # 2 MiB
        await ws.send(big)
        assert await ws.recv() == big
        await ws.send(["frag", "mented", " text"])  # one message in three frames
        assert await ws.recv() == "fragmented text"
        pong = await ws.ping()
        await asyncio.wait_for(pong, 10)
    user_url = base.replace("://", "://wstest:password@", 1)
    async with websockets.connect(user_url + "/auth/echo", ssl=ctx) as ws:
        await ws.send("authed")
        assert await ws.recv() == "authed"
    try:
        async with websockets.connect(base + "/close/4002", ssl=ctx) as ws:
            await ws.recv()
        raise AssertionError("no close from /close/4002")
    except websockets.ConnectionClosed as e:
        assert close_code(e) == 4002, close_code(e)
    print("ok")


asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
