"""DKIM key management: generate key pairs, the DNS TXT record to publish, load the signer."""

from __future__ import annotations

import base64
import logging
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from service.errors import InvalidInput
from service.mail.dkim_sign import MIN_RSA_BITS, DkimSigner, load_private_key
from service.settings import Settings


def generate_keypair(bits: int = 2048) -> tuple[bytes, str]:
    """A new RSA key: (PKCS#8 PEM private key, TXT record text 'v=DKIM1; k=rsa; p=...')."""
    if bits < MIN_RSA_BITS:
        raise InvalidInput(f"DKIM RSA keys must have at least {MIN_RSA_BITS} bits, got {bits}")
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _pem(key), dns_txt_record(key.public_key())


def generate_ed25519_keypair() -> tuple[bytes, str]:
    """A new Ed25519 key (RFC 8463): (PEM private key, TXT text 'v=DKIM1; k=ed25519; p=...')."""
    key = ed25519.Ed25519PrivateKey.generate()
    return _pem(key), dns_txt_record(key.public_key())


def _pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM (the file is protected by permissions, like OpenDKIM's keys)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def dns_txt_record(public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey) -> str:
    """The record text: RSA as SubjectPublicKeyInfo DER, Ed25519 as the raw 32 bytes."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def zone_file_line(selector: str, domain: str, record: str) -> str:
    """A BIND zone line with the record split into <=255-octet strings (a DNS TXT limit)."""
    chunks = " ".join(f'"{record[i : i + 250]}"' for i in range(0, len(record), 250))
    return f"{selector}._domainkey.{domain}. IN TXT ( {chunks} )"


def write_demo_key(var_dir: Path, selector: str, domain: str) -> tuple[Path, Path]:
    """Create (or reuse) var/dkim/<selector>.<domain>.pem and the TXT record file beside it."""
    folder = Path(var_dir) / "dkim"
    folder.mkdir(parents=True, exist_ok=True)
    key_path = folder / f"{selector}.{domain}.pem"
    txt_path = folder / f"{selector}._domainkey.{domain}.txt"
    if key_path.exists():
        key = load_private_key(key_path.read_bytes(), "rsa")
        record = dns_txt_record(key.public_key())
    else:
        pem, record = generate_keypair()
        key_path.touch(mode=0o600)
        key_path.write_bytes(pem)
    txt_path.write_text(record + "\n")
    return key_path, txt_path


def load_signer(settings: Settings) -> DkimSigner | None:
    """The signer from settings, or None when no DKIM key is configured (said once, loudly)."""
    if settings.dkim_private_key_path is None:
        _warn_unsigned()
        return None
    path = Path(settings.dkim_private_key_path)
    if not path.is_file():
        raise InvalidInput(f"DKIM key file {path} (NEWSDESK_DKIM_PRIVATE_KEY_PATH) does not exist")
    ed_path = settings.dkim_ed25519_key_path
    return _signer(
        settings.dkim_domain,
        settings.dkim_selector,
        path.read_bytes(),
        settings.dkim_ed25519_selector,
        Path(ed_path).read_bytes() if ed_path else None,
    )


@lru_cache(maxsize=1)
def _warn_unsigned() -> None:
    """Outside production (which refuses to start) a missing key sends unsigned mail: say so."""
    logging.getLogger("newsdesk.mail").warning(
        "NEWSDESK_DKIM_PRIVATE_KEY_PATH is not set: mail goes out without a DKIM signature"
        " (STANDARDS A2; NEWSDESK_ENV=production refuses to start like this)"
    )


@lru_cache(maxsize=8)
def _signer(
    domain: str, selector: str, pem: bytes, ed25519_selector: str, ed25519_pem: bytes | None
) -> DkimSigner:
    """Parsing a PEM key costs ~60 ms; every edition of a process shares one signer."""
    return DkimSigner(
        domain=domain,
        selector=selector,
        private_key_pem=pem,
        ed25519_selector=ed25519_selector,
        ed25519_private_key_pem=ed25519_pem,
    )
