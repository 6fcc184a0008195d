"""``mysteryguest lan-cert``: an HTTPS certificate for trying the tester view on a real phone.

A phone installs the PWA and runs its service worker only from a secure origin: HTTPS with a
certificate it trusts. ``make phone`` serves the app on the local network with a certificate made
here: a small certificate authority of this machine (``mysteryguest-dev-ca.crt``, the one file to
install on the phone, once) and a server certificate it signs for this machine's LAN addresses.
Both live in the instance folder; the CA's key never leaves it. The server certificate is made
again when the addresses change or it is close to expiring; the CA is kept, so the phone keeps
trusting it. Development only: never use this certificate for a real deployment.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from fieldwork import clock

CA_FILE = "mysteryguest-dev-ca.crt"
CA_DAYS = 2 * 365
# Apple and Chrome refuse TLS server certificates valid for more than 398 days.
SERVER_DAYS = 397
RENEW_DAYS = 30


@dataclass(frozen=True)
class LanCertificate:
    folder: Path
    ca_path: Path
    cert_path: Path
    key_path: Path
    ca_fingerprint: str  # SHA-256, as a phone shows it: AA:BB:…
    hosts: list[str]
    renewed: bool


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses a phone on the same network can reach (no packet is sent)."""
    found: list[str] = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: picks the outgoing interface only
        found.append(probe.getsockname()[0])
    except OSError:
        pass
    finally:
        probe.close()
    with contextlib.suppress(OSError):
        found += socket.gethostbyname_ex(socket.gethostname())[2]
    return [a for a in dict.fromkeys(found) if not ipaddress.ip_address(a).is_loopback]


def ensure_certificate(folder: Path, hosts: list[str], *, now: datetime) -> LanCertificate:
    """The CA (made once) and a server certificate for ``hosts`` (IPs or names) in ``folder``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    ca_path, ca_key_path = folder / CA_FILE, folder / "ca.key"
    cert_path, key_path = folder / "server.crt", folder / "server.key"

    def write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
        path.touch(mode=0o600)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    def usable(path: Path) -> x509.Certificate | None:
        if not path.exists():
            return None
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        return cert if cert.not_valid_after_utc - now > timedelta(days=RENEW_DAYS) else None

    ca_cert = usable(ca_path) if ca_key_path.exists() else None
    renewed = False
    if ca_cert is None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(
                    NameOID.COMMON_NAME, f"mysteryguest dev CA ({socket.gethostname()})"
                ),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mysteryguest (development only)"),
            ]
        )
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )  # fmt: skip
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        write_key(ca_key_path, ca_key)
        ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        cert_path.unlink(missing_ok=True)
        renewed = True
    else:
        loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        ca_key = loaded

    server = usable(cert_path) if key_path.exists() else None
    wanted = _names(hosts)
    if server is not None:
        san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        covered = {str(v) for v in san.get_values_for_type(x509.IPAddress)}
        covered |= set(san.get_values_for_type(x509.DNSName))
        if not {str(n) for n in wanted} <= covered:
            server = None
    if server is None:
        key = ec.generate_private_key(ec.SECP256R1())
        alt_names: list[x509.GeneralName] = [
            x509.IPAddress(n) if not isinstance(n, str) else x509.DNSName(n) for n in wanted
        ]
        server = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=SERVER_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        write_key(key_path, key)
        cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
        renewed = True
    fingerprint = ca_cert.fingerprint(hashes.SHA256()).hex().upper()
    return LanCertificate(
        folder=folder,
        ca_path=ca_path,
        cert_path=cert_path,
        key_path=key_path,
        ca_fingerprint=":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)),
        hosts=hosts,
        renewed=renewed,
    )


def _names(hosts: list[str]) -> list[object]:
    """Each host as an ip_address (for an IP) or a DNS name, always with localhost."""
    names: list[object] = []
    for host in [*hosts, "127.0.0.1", "localhost"]:
        try:
            names.append(ipaddress.ip_address(host))
        except ValueError:
            names.append(host)
    return list(dict.fromkeys(names))


@click.command("lan-cert", short_help="Make an HTTPS certificate for a phone on the LAN.")
@with_appcontext
@click.option("--port", default=8443, show_default=True, help="The port `make phone` serves on.")
@click.option(
    "--host",
    "hosts",
    multiple=True,
    help="An address or name of this machine to cover (default: its LAN addresses).",
)
def lan_cert(port: int, hosts: tuple[str, ...]) -> None:
    """Make the HTTPS certificate for trying the app on a phone on the local network."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        raise click.ClickException(
            "The cryptography package is missing: pip install -e '.[phone]' (make phone does it)."
        ) from None
    chosen = list(hosts) or lan_addresses()
    if not chosen:
        raise click.ClickException(
            "This machine has no network address a phone could reach. Connect it to the same "
            "Wi-Fi as the phone, or name the address with --host."
        )
    folder = Path(current_app.instance_path) / "lan"
    made = ensure_certificate(folder, chosen, now=clock.now())
    click.echo(f"{'New' if made.renewed else 'Existing'} certificate for {', '.join(made.hosts)}")
    click.echo(f"  server certificate: {made.cert_path}")
    click.echo(f"  install on the phone (once): {made.ca_path}")
    click.echo(f"  its SHA-256 fingerprint: {made.ca_fingerprint}")
    click.echo("On the phone, on the same Wi-Fi, open:")
    for host in made.hosts:
        click.echo(f"  https://{host}:{port}/")
