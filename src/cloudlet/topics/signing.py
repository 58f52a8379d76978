"""Message signatures as SNS makes them: SignatureVersion 1 (SHA1withRSA) and 2 (SHA256withRSA) over the
canonical string of an envelope, with a key and self-signed certificate kept in the data directory and
served at the envelope's SigningCertURL."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

# One signature per published message and cryptography holds the GIL while signing: RSA-2048 costs ~1 ms
# per signature here, RSA-1024 ~0.16 ms, which is what lets one process publish thousands per second.
KEY_BITS = 1024
CERT_PATH_PREFIX = "/_cloudlet/sns/"

_NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")


def canonical_string(envelope: dict[str, str]) -> str:
    """AWS's string to sign: each signed field present, as `name\\nvalue\\n`, in this fixed order."""
    fields = _NOTIFICATION_FIELDS if envelope["Type"] == "Notification" else _CONFIRMATION_FIELDS
    return "".join(f"{name}\n{envelope[name]}\n" for name in fields if envelope.get(name) is not None)


class Signer:
    def __init__(self, directory: Path) -> None:
        key_path, cert_path = directory / "signing-key.pem", directory / "signing-cert.pem"
        if key_path.exists() and cert_path.exists():
            self.key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            self.cert_pem = cert_path.read_bytes()
        else:
            self.key, self.cert_pem = _generate()
            key_path.write_bytes(self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
            key_path.chmod(0o600)
            cert_path.write_bytes(self.cert_pem)
        self.cert_name = f"SimpleNotificationService-{hashlib.sha256(self.cert_pem).hexdigest()[:32]}.pem"

    def cert_url(self, base_url: str) -> str:
        return f"{base_url}{CERT_PATH_PREFIX}{self.cert_name}"

    def sign(self, envelope: dict[str, str]) -> str:
        algorithm = hashes.SHA256() if envelope.get("SignatureVersion") == "2" else hashes.SHA1()
        signature = self.key.sign(canonical_string(envelope).encode("utf-8"), padding.PKCS1v15(), algorithm)
        return base64.b64encode(signature).decode()


def _generate():
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.cloudlet.local"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cloudlet")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)
