"""The loopback HTTP server listens with a backlog that holds every concurrent client of a run."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from kernels import io


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs `ss` (iproute2) to read a socket's listen backlog")
def test_the_listen_backlog_is_128_not_socketservers_5() -> None:
    server = io.make_server()
    try:
        port = server.server_address[1]
        listing = subprocess.run(
            ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.split()
        # For a listening socket, ss's Send-Q column is the backlog passed to listen().
        assert listing[0] == "LISTEN"
        assert int(listing[2]) == 128
    finally:
        server.server_close()


def test_the_server_in_use_is_the_one_with_the_backlog() -> None:
    with io.local_http_server() as port:
        assert io.http_local(1) == io.http_local(0)
        assert port > 0
