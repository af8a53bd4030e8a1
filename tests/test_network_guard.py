import socket

import pytest


def test_non_loopback_connections_are_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, \
            pytest.raises(ConnectionRefusedError, match="loopback only"):
        sock.connect(("192.0.2.1", 80))


def test_loopback_connections_are_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            conn, _ = server.accept()
            conn.close()
