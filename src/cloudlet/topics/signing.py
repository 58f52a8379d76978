"""Message signatures as SNS makes them: SignatureVersion 1 (SHA1withRSA) and 2 (SHA256withRSA) over the
canonical string of an envelope, with a key and self-signed certificate kept in the data directory and
served at the envelope's SigningCertURL."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import queue
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from ..store.database import resolve_all

# One signature per published message and cryptography holds the GIL while signing: RSA-2048 costs ~1 ms
# per signature here, RSA-1024 ~0.16 ms, which is what lets one process publish thousands per second.
KEY_BITS = 1024
CERT_PATH_PREFIX = "/_cloudlet/sns/"

_PKCS1V15, _SHA1, _SHA256 = padding.PKCS1v15(), hashes.SHA1(), hashes.SHA256()
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
        return self.sign_text(canonical_string(envelope), envelope.get("SignatureVersion", "1"))

    def sign_text(self, canonical: str, signature_version: str) -> str:
        """The base64 signature of a canonical string: SHA256withRSA for version 2, SHA1withRSA otherwise.
        cryptography releases the GIL for the RSA operation itself, so this can run beside the event loop."""
        algorithm = _SHA256 if signature_version == "2" else _SHA1
        return base64.b64encode(self.key.sign(canonical.encode("utf-8"), _PKCS1V15, algorithm)).decode()


class SigningThread:
    """Signs on a thread of its own, so that the RSA operations of one publish (for which cryptography releases
    the GIL) run beside the event loop and beside the database writer's commit instead of in either. Requests
    that arrive together are signed in one pass and answered with one wake-up of the loop."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def sign(self, items: list[tuple[str, str]]) -> list[str]:
        """The signatures of (canonical string, SignatureVersion) pairs, in order."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sns-signer", daemon=True)
            self._thread.start()
        fut = asyncio.get_running_loop().create_future()
        self._requests.put((fut, items))
        return await fut

    def stop(self) -> None:
        if self._thread is not None:
            self._requests.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        sign = self.signer.sign_text
        while True:
            batch = [self._requests.get()]
            while True:
                try:
                    batch.append(self._requests.get_nowait())
                except queue.Empty:
                    break
            stop = None in batch
            outcomes = []
            for request in batch:
                if request is None:
                    continue
                fut, items = request
                try:
                    outcomes.append((fut, [sign(text, version) for text, version in items], None))
                except Exception as exc:  # never expected: the key signs any bytes
                    outcomes.append((fut, None, exc))
            resolve_all(outcomes)
            if stop:
                return


def _generate():
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.cloudlet.local"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cloudlet")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)
