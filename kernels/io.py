"""I/O-bound kernels: simulated latency (time.sleep / asyncio.sleep) and real loopback HTTP.

Standard library only. `local_http_server()` is started by the benchmark worker; its port travels
to pool processes and subinterpreters through the LAB_HTTP_PORT environment variable.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_ENV = "LAB_HTTP_PORT"
_BODY = bytes(range(256)) * 64  # 16 KiB: a small web page


def sleep_io(milliseconds: int) -> int:
    """Block for `milliseconds` (time.sleep releases the GIL, as a network wait does)."""
    time.sleep(milliseconds / 1000)
    return milliseconds


async def sleep_io_async(milliseconds: int) -> int:
    """The asyncio form of sleep_io: the event loop runs other tasks meanwhile."""
    await asyncio.sleep(milliseconds / 1000)
    return milliseconds


class _DelayHandler(BaseHTTPRequestHandler):
    """GET /<ms>: waits ms (a remote server's latency), then answers the 16 KiB body."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        try:
            delay_ms = int(self.path.strip("/") or "0")
        except ValueError:
            self.send_error(400)
            return
        time.sleep(delay_ms / 1000)
        self.send_response(200)
        self.send_header("Content-Length", str(len(_BODY)))
        self.end_headers()
        self.wfile.write(_BODY)

    def log_message(self, format: str, *args: object) -> None:
        return


class _LabHTTPServer(ThreadingHTTPServer):
    """The loopback server. Its listen backlog is a class attribute because the constructor binds and
    listens: set on an instance afterwards, it changes nothing and the backlog stays socketserver's 5, so
    connections past the fifth wait for a SYN retry (about a second) and asyncio's 8 tasks look slow."""

    request_queue_size = 128  # a hundred concurrent clients must not be refused
    daemon_threads = True


def make_server() -> ThreadingHTTPServer:
    """The loopback server, bound to a free port on 127.0.0.1 and listening, not yet serving."""
    return _LabHTTPServer(("127.0.0.1", 0), _DelayHandler)


@contextlib.contextmanager
def local_http_server() -> Iterator[int]:
    """Serve _DelayHandler on 127.0.0.1 for the duration; yields the port and exports it in LAB_HTTP_PORT."""
    server = make_server()
    thread = threading.Thread(target=server.serve_forever, name="lab-http-server", daemon=True)
    thread.start()
    port = server.server_address[1]
    previous = os.environ.get(PORT_ENV)
    os.environ[PORT_ENV] = str(port)
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        if previous is None:
            os.environ.pop(PORT_ENV, None)
        else:
            os.environ[PORT_ENV] = previous


def _port() -> int:
    port = os.environ.get(PORT_ENV)
    if not port:
        raise RuntimeError(f"http_local needs the worker's local server ({PORT_ENV} is not set)")
    return int(port)


def http_local(milliseconds: int) -> int:
    """Fetch one page from the loopback server, which answers after `milliseconds`; CRC-32 of the body."""
    with urllib.request.urlopen(f"http://127.0.0.1:{_port()}/{milliseconds}", timeout=30) as response:
        return zlib.crc32(response.read())


async def http_local_async(milliseconds: int) -> int:
    """The asyncio form of http_local: a raw HTTP/1.0 GET over asyncio streams."""
    reader, writer = await asyncio.open_connection("127.0.0.1", _port())
    try:
        writer.write(f"GET /{milliseconds} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("ascii"))
        await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    _, _, body = response.partition(b"\r\n\r\n")
    return zlib.crc32(body)
