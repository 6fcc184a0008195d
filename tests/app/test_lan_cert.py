"""`mysteryguest lan-cert` (make phone): a CA a phone can install and a server certificate it
signs, which a TLS client that trusts only that CA accepts for the machine's address."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from fieldwork.commands.lan import ensure_certificate

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def handshake(cert, host: str) -> str:
    """Serve one TLS handshake with the server certificate; return what the client saw."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert.cert_path, cert.key_path)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        try:
            with server_context.wrap_socket(connection, server_side=True) as tls:
                tls.sendall(b"ok")
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(cafile=str(cert.ca_path))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            client_context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            return tls.recv(2).decode()
    finally:
        thread.join(timeout=10)
        listener.close()


def test_a_client_trusting_only_the_ca_accepts_the_server(tmp_path: Path):
    made = ensure_certificate(tmp_path / "lan", ["192.168.1.23"], now=datetime.now(UTC))
    assert made.renewed and made.ca_path.name == "mysteryguest-dev-ca.crt"
    assert handshake(made, "127.0.0.1") == "ok" and handshake(made, "localhost") == "ok"
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(made, "example.org")  # a name the certificate does not cover
    for key in (made.key_path, tmp_path / "lan" / "ca.key"):
        assert key.stat().st_mode & 0o077 == 0, f"{key} is readable by others"
    assert len(made.ca_fingerprint.split(":")) == 32


def test_the_ca_is_kept_and_the_server_certificate_follows_the_addresses(tmp_path: Path):
    folder = tmp_path / "lan"
    first = ensure_certificate(folder, ["192.168.1.23"], now=NOW)
    ca_bytes, server_bytes = first.ca_path.read_bytes(), first.cert_path.read_bytes()
    same = ensure_certificate(folder, ["192.168.1.23"], now=NOW + timedelta(days=1))
    assert not same.renewed and same.cert_path.read_bytes() == server_bytes
    moved = ensure_certificate(folder, ["10.0.0.7"], now=NOW + timedelta(days=2))
    assert moved.renewed and moved.cert_path.read_bytes() != server_bytes
    assert moved.ca_path.read_bytes() == ca_bytes  # the phone keeps trusting the same CA
    assert moved.ca_fingerprint == first.ca_fingerprint
    late = ensure_certificate(folder, ["10.0.0.7"], now=NOW + timedelta(days=380))
    assert late.renewed and late.ca_path.read_bytes() == ca_bytes  # server renewed before expiry


def test_the_command_prints_the_addresses_to_open(runner, app):
    result = runner.invoke(args=["lan-cert", "--host", "192.168.1.23", "--port", "8443"])
    assert result.exit_code == 0, result.output
    assert "https://192.168.1.23:8443/" in result.output
    assert (Path(app.instance_path) / "lan" / "mysteryguest-dev-ca.crt").exists()
