#!/usr/bin/env python3
"""A loopback HTTP proxy in front of the real DVID that misbehaves on purpose, for the client's
retry tests. One request per connection (it asks DVID to close after each answer).

Usage: fault_proxy.py TARGET_PORT MODE[@K[+]] [N]
Prints "port <P>" on stdout once listening, then serves until killed. The mode applies to the first
N requests (default: all), or with @K to request K only (@K+: request K and every later one); other
requests pass through unchanged:
  pass                 forward unchanged
  hang                 read the request, never answer, never forward
  refuse               close the connection at once without reading (nothing reaches DVID)
  drop-after-forward   forward, let DVID do the work, then close without answering (a lost answer)
  cut                  forward, send half of DVID's answer, then close
  cut-upload           read the request head and half its body, then close: the upload is cut mid-way
                       and nothing reaches the server
  delay:S              forward, then hold the answer S seconds before sending it
Every request is logged to stderr as "<n> <mode> <METHOD> <path>".
"""
import asyncio
import sys

TARGET_PORT = int(sys.argv[1])
MODE, _, ONLY = sys.argv[2].partition("@")
ONWARDS = ONLY.endswith("+")
ONLY = int(ONLY.rstrip("+")) if ONLY else None
LIMIT = int(sys.argv[3]) if len(sys.argv) > 3 else None
count = 0


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    body = await reader.readexactly(length) if length else b""
    return head, body


def with_close(head):
    lines = [l for l in head.split(b"\r\n") if l and not l.lower().startswith(b"connection:")]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n"


async def forward(head, body):
    r, w = await asyncio.open_connection("127.0.0.1", TARGET_PORT)
    w.write(with_close(head) + body)
    await w.drain()
    answer = await r.read()  # DVID closes after the answer (Connection: close)
    w.close()
    return answer


async def handle(reader, writer):
    global count
    count += 1
    n = count
    if ONLY is not None:
        mode = MODE if n == ONLY or (ONWARDS and n > ONLY) else "pass"
    else:
        mode = MODE if LIMIT is None or n <= LIMIT else "pass"
    try:
        if mode == "refuse":
            print(f"{n} {mode}", file=sys.stderr, flush=True)
            writer.close()
            return
        if mode == "cut-upload":
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip())
            await reader.read(length // 2)
            print(f"{n} {mode} {head.split(b' ')[0].decode()} {head.split(b' ')[1].decode()}", file=sys.stderr, flush=True)
            return
        head, body = await read_request(reader)
        print(f"{n} {mode} {head.split(b' ')[0].decode()} {head.split(b' ')[1].decode()}", file=sys.stderr, flush=True)
        if mode == "hang":
            await asyncio.sleep(3600)
            return
        answer = await forward(head, body)
        if mode == "drop-after-forward":
            pass
        elif mode == "cut":
            writer.write(answer[: max(1, len(answer) // 2)])
        elif mode.startswith("delay:"):
            await asyncio.sleep(float(mode.split(":", 1)[1]))
            writer.write(answer)
        else:
            writer.write(answer)
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
