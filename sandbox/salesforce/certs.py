"""A local certificate authority and a server certificate for 127.0.0.1 and localhost.

Clients talk HTTPS to the sandbox exactly as to Salesforce and trust it through the CA bundle
(``requests``' ``verify=<cert-dir>/ca.pem``) instead of switching verification off. Files are
made once per directory and reused; the server certificate is renewed when it nears expiry.
Validity uses real time (TLS clients check real time), never the sandbox clock. The
extensions (key identifiers, critical key usage) satisfy strict verifiers such as Python 3.13's
default ``VERIFY_X509_STRICT``.
"""

from __future__ import annotations

import ipaddress
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 397
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class CertPaths:
    ca: Path
    cert: Path
    key: Path


def ensure_certs(cert_dir: Path) -> CertPaths:
    """The CA and server files in ``cert_dir``, created or renewed if needed."""
    cert_dir.mkdir(parents=True, exist_ok=True)
    paths = CertPaths(cert_dir / "ca.pem", cert_dir / "server.pem", cert_dir / "server-key.pem")
    with _DirLock(cert_dir / ".lock"):
        ca_key_path = cert_dir / "ca-key.pem"
        if not (paths.ca.exists() and ca_key_path.exists()):
            _write_ca(paths.ca, ca_key_path)
            paths.cert.unlink(missing_ok=True)
        if _needs_server_cert(paths):
            _write_server(paths, ca_key_path)
    return paths


class _DirLock:
    """An exclusive lock file, so two servers starting at once don't write mismatched files."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self._path = path
        self._timeout = timeout

    def __enter__(self) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                os.close(os.open(self._path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                return
            except FileExistsError:
                if time.monotonic() > deadline:  # a crashed holder left it behind
                    self._path.unlink(missing_ok=True)
                    deadline = time.monotonic() + self._timeout
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self._path.unlink(missing_ok=True)


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "erpsync sandbox"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_ca(ca_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name = _name("erpsync sandbox local CA")
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=True, crl_sign=True, encipher_only=False,
                          decipher_only=False)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_pem(key), private=True)
    _write(ca_path, cert.public_bytes(serialization.Encoding.PEM))


def _needs_server_cert(paths: CertPaths) -> bool:
    if not (paths.cert.exists() and paths.key.exists()):
        return True
    cert = x509.load_pem_x509_certificate(paths.cert.read_bytes())
    return cert.not_valid_after_utc - datetime.now(UTC) < RENEW_BEFORE


def _write_server(paths: CertPaths, ca_key_path: Path) -> None:
    ca_cert = x509.load_pem_x509_certificate(paths.ca.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"unexpected CA key type in {ca_key_path}")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    san = x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                       x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(paths.key, _key_pem(key), private=True)
    _write(paths.cert, cert.public_bytes(serialization.Encoding.PEM))
