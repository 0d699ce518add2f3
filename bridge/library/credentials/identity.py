"""The signing identity: a local certificate authority made on first run, or a studio's own.

Every install signs out of the box. On first run Promptcut makes a small local CA and a
signing (leaf) certificate issued by it, with what C2PA validators require of a signer:
digitalSignature key usage, the emailProtection extended key usage, and subject and
authority key identifiers. Validators do not know this CA, so they report the signer as
untrusted (`signingCredential.untrusted`) while still checking that the file is intact;
adding `ca.pem` to a trust list makes the same files validate as trusted in-house.

A studio that has a certificate for C2PA (from a CA on the C2PA trust list) configures its
certificate chain and key instead (`PROMPTCUT_SIGNING_CERT`, `PROMPTCUT_SIGNING_KEY`), and
optionally a timestamp authority (`PROMPTCUT_TSA_URL`).

The local signer's name is the one the user chooses (PROMPTCUT_SIGNER_NAME, e.g. a person's
or a studio's name), "Promptcut user" by default: never the machine's host name, which would
travel in every file. A new name issues a new leaf from the same authority (the old one is
kept), so one trust-list entry still covers every take.

The local identity lives in `<data dir>/credentials/local/`: `ca.pem`, `ca.key`, `signer.pem`
(leaf then CA) and `signer.key`, keys owner-only (0600). It is made in a temporary folder and
renamed into place in one step, so two first starts never mix two identities.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_YEARS = 20
LEAF_YEARS = 5
RENEW_BEFORE = dt.timedelta(days=30)


class IdentityError(Exception):
    """The configured certificate or key cannot sign; the message says what to fix."""


@dataclass(frozen=True)
class Identity:
    """What signing needs: the chain (leaf first), the key, the algorithm, and its origin."""

    kind: str  # "local" (made by Promptcut) | "studio" (configured)
    chain_pem: bytes
    key_pem: bytes
    alg: str  # es256 | es384 | es512 | ps256 | ed25519, as c2pa names them
    subject: str
    issuer: str
    not_after: dt.datetime
    cert_path: Path
    ca_path: Path | None = None  # the local authority, to add to a trust list
    tsa_url: str | None = None

    def summary(self) -> dict:
        return {"kind": self.kind, "subject": self.subject, "issuer": self.issuer,
                "not_after": self.not_after.isoformat(), "algorithm": self.alg,
                "certificate": str(self.cert_path),
                "authority": str(self.ca_path) if self.ca_path else None,
                "timestamp_authority": self.tsa_url}


DEFAULT_SIGNER = "Promptcut user"


def load_identity(credentials_dir: Path, *, cert: Path | None = None, key: Path | None = None,
                  tsa_url: str | None = None, signer_name: str | None = None) -> Identity:
    """The studio's identity when `cert` and `key` are given, else the local one (made if new)."""
    if cert or key:
        if not (cert and key):
            raise IdentityError("Set both PROMPTCUT_SIGNING_CERT and PROMPTCUT_SIGNING_KEY "
                                "(a certificate chain and its private key, PEM).")
        return _studio(Path(cert), Path(key), tsa_url)
    return _local(Path(credentials_dir) / "local", tsa_url, _clean_name(signer_name))


# --------------------------------------------------------------------------- studio

def _studio(cert: Path, key: Path, tsa_url: str | None) -> Identity:
    try:
        chain_pem, key_pem = cert.read_bytes(), key.read_bytes()
    except OSError as exc:
        raise IdentityError(f"Cannot read the signing certificate or key: {exc}") from None
    try:
        certs = x509.load_pem_x509_certificates(chain_pem)
        private = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise IdentityError(f"{cert.name} / {key.name} are not a PEM certificate chain and an "
                            f"unencrypted PEM private key: {exc}") from None
    leaf = certs[0]
    if leaf.public_key().public_bytes(*_SPKI) != private.public_key().public_bytes(*_SPKI):
        raise IdentityError(f"The key in {key.name} does not belong to the first certificate "
                            f"in {cert.name} (put the signing certificate first).")
    _check_leaf(leaf, cert.name)
    return Identity("studio", chain_pem, _pkcs8(private), _alg(private), _cn(leaf.subject),
                    _cn(leaf.issuer), leaf.not_valid_after_utc, cert, None, tsa_url)


def _check_leaf(leaf: x509.Certificate, name: str) -> None:
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.digital_signature:
        raise IdentityError(f"The certificate in {name} may not sign (no digitalSignature key "
                            "usage); C2PA needs a signing certificate.")
    if leaf.not_valid_after_utc <= _now():
        raise IdentityError(f"The certificate in {name} expired on "
                            f"{leaf.not_valid_after_utc:%Y-%m-%d}; configure a current one.")


# --------------------------------------------------------------------------- local

def _clean_name(name: str | None) -> str | None:
    """A name fit for a certificate's common name (printable, at most 64 characters)."""
    if name is None:
        return None
    text = " ".join("".join(c for c in name if c.isprintable()).split())[:64]
    return text or None


def _local(folder: Path, tsa_url: str | None, signer_name: str | None = None) -> Identity:
    if not (folder / "signer.pem").exists():
        _create_local(folder, signer_name or DEFAULT_SIGNER)
    leaf = x509.load_pem_x509_certificates((folder / "signer.pem").read_bytes())[0]
    renamed = signer_name is not None and _cn(leaf.subject) != signer_name
    if renamed or leaf.not_valid_after_utc - RENEW_BEFORE <= _now():
        _renew_leaf(folder, leaf, signer_name or _cn(leaf.subject))
    chain_pem = (folder / "signer.pem").read_bytes()
    key_pem = (folder / "signer.key").read_bytes()
    leaf = x509.load_pem_x509_certificates(chain_pem)[0]
    return Identity("local", chain_pem, key_pem, "es256", _cn(leaf.subject), _cn(leaf.issuer),
                    leaf.not_valid_after_utc, folder / "signer.pem", folder / "ca.pem", tsa_url)


def _create_local(folder: Path, signer_name: str) -> None:
    """Make the CA and leaf in a fresh temporary folder, then rename it into place at once."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".local.{secrets.token_hex(4)}.partial"
    tmp.mkdir(mode=0o700)
    try:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        # A few random letters tell two installs' authorities apart without naming the host.
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                f"Promptcut local authority "
                                                f"{secrets.token_hex(3)}"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Promptcut")])
        ca = _ca_cert(ca_key, ca_name)
        _write(tmp / "ca.pem", ca.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(tmp / "ca.key", _pkcs8(ca_key), 0o600)
        _issue_leaf(tmp, ca, ca_key, signer_name)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / "signer.pem").exists():
                raise
            # Another first start won the race: use its identity, drop this attempt's folder.
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def _renew_leaf(folder: Path, old: x509.Certificate, signer_name: str) -> None:
    """Issue a new leaf from the local CA; the old one is kept beside it, renamed."""
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), None)
    stamp = f"{old.serial_number:x}"[:16]
    for name in ("signer.pem", "signer.key"):
        os.replace(folder / name, folder / f"expired-{stamp}-{name}")
    _issue_leaf(folder, ca, ca_key, signer_name)


def _issue_leaf(folder: Path, ca: x509.Certificate, ca_key, signer_name: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, signer_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Promptcut")])
    now = _now()
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=365 * LEAF_YEARS), ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    _write(folder / "signer.key", _pkcs8(key), 0o600)
    _write(folder / "signer.pem", leaf.public_bytes(pem) + ca.public_bytes(pem), 0o644)


def _ca_cert(key, name: x509.Name) -> x509.Certificate:
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )


# --------------------------------------------------------------------------- helpers

_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _usage(**on: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


def _alg(key) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name in algs:
            return algs[key.curve.name]
    elif isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise IdentityError("C2PA signs with EC P-256/384/521, RSA (PSS) or Ed25519 keys; this key "
                        "is none of those.")


def _pkcs8(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start, so a key is never readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    with contextlib.suppress(OSError):  # umask may have narrowed it; Windows ignores it
        os.chmod(path, mode)
