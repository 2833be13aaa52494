"""GRIP proxies (Pushpin, or Fastly Fanout) in front of the live feeds: who they are, and telling their
requests from anyone else's.

``NEWSROOM_GRIP_URL`` names each proxy by its control URI, comma-separated, in the form GRIP libraries
use: ``http://pushpin:5561?verify-key=SECRET`` (Pushpin signs the requests it forwards with its
``sig_key``), or ``https://api.fastly.com/service/ID?verify-iss=fastly:ID&verify-key=<PEM public
key>&key=<API token>`` for Fanout. ``key`` authenticates our publishes (a bearer token, or with ``iss`` a
signed JWT); ``verify-key`` checks the ``Grip-Sig`` a proxy adds (HS256 with a shared secret, ES256 with a
public key); a key may be written ``base64:...``. A request whose Grip-Sig does not verify, or has none, is
served as any direct reader is (``web.live``): a header anyone can send grants nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit, urlunsplit

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from newsroom.errors import ValidationError

SETTING = "NEWSROOM_GRIP_URL"


@dataclass(frozen=True)
class GripProxy:
    """One proxy: where to publish, how to authenticate publishing, and how to check its Grip-Sig."""

    control_url: str  # its base: items go to {control_url}/publish/
    key: bytes = field(default=b"", repr=False)
    issuer: str = ""
    verify_key: bytes = field(default=b"", repr=False)
    verify_issuer: str = ""

    def publish_headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.key and self.issuer:
            claims = {"iss": self.issuer, "exp": int(time.time()) + 3600}
            headers["Authorization"] = f"Bearer {hs256_token(claims, self.key)}"
        elif self.key:
            headers["Authorization"] = f"Bearer {self.key.decode()}"
        return headers

    def signed(self, token: str, now: float | None = None) -> bool:
        """True when ``token`` (a Grip-Sig) was made by this proxy and has not expired."""
        if not self.verify_key:
            return False
        claims = _verified_claims(token, self.verify_key)
        if claims is None:
            return False
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires < (now if now is not None else time.time()):
            return False
        return not self.verify_issuer or claims.get("iss") == self.verify_issuer


def channel_of(slug: str | None) -> str:
    """The channel of a story's live messages, or of the site's (every story's)."""
    return "site" if slug is None else f"story:{slug}"


def from_proxy(grip_sig: str | None, proxies: Sequence[GripProxy]) -> bool:
    """True when a request's Grip-Sig says one of our proxies forwarded it."""
    return bool(grip_sig) and any(proxy.signed(grip_sig or "") for proxy in proxies)


def parse(value: str) -> tuple[GripProxy, ...]:
    """``NEWSROOM_GRIP_URL`` as proxies; a malformed one raises ValidationError naming the setting."""
    return tuple(_proxy(part.strip()) for part in value.split(",") if part.strip())


def _proxy(url: str) -> GripProxy:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(SETTING, f"takes each proxy's control URI, http(s)://HOST:PORT, not {url!r}")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"key", "iss", "verify-key", "verify-iss"})
    if unknown:
        raise ValidationError(SETTING, f"knows key, iss, verify-key and verify-iss, not {unknown[0]}")
    verify_key = _key(query.get("verify-key", query.get("key", "")))
    if not verify_key:
        raise ValidationError(SETTING, f"needs verify-key (the proxy's Grip-Sig key) for {parts.hostname}")
    if verify_key.startswith(b"-----BEGIN"):
        try:
            load_pem_public_key(verify_key)
        except ValueError:
            raise ValidationError(SETTING, "verify-key is not a PEM public key") from None
    base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    return GripProxy(
        base,
        key=_key(query.get("key", "")),
        issuer=query.get("iss", ""),
        verify_key=verify_key,
        verify_issuer=query.get("verify-iss", ""),
    )


def _key(text: str) -> bytes:
    if text.startswith("base64:"):
        try:
            return base64.b64decode(text.removeprefix("base64:"), validate=True)
        except binascii.Error:
            raise ValidationError(SETTING, "a base64: key is not base64") from None
    return text.encode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hs256_token(claims: dict[str, object], key: bytes) -> str:
    signing = f"{_b64url(orjson.dumps({'typ': 'JWT', 'alg': 'HS256'}))}.{_b64url(orjson.dumps(claims))}"
    signature = hmac.new(key, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{_b64url(signature)}"


def _verified_claims(token: str, key: bytes) -> dict[str, object] | None:
    """The claims of a JWT signed with ``key`` (HS256 with a secret, ES256 with a PEM public key)."""
    try:
        head, payload, signature = token.strip().split(".")
        header = orjson.loads(_unb64url(head))
        claims = orjson.loads(_unb64url(payload))
        raw = _unb64url(signature)
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    signing = f"{head}.{payload}".encode()
    algorithm = header.get("alg")
    if algorithm == "HS256" and not key.startswith(b"-----BEGIN"):
        expected = hmac.new(key, signing, hashlib.sha256).digest()
        return claims if hmac.compare_digest(expected, raw) else None
    if algorithm == "ES256" and key.startswith(b"-----BEGIN") and len(raw) == 64:
        public = load_pem_public_key(key)
        if not isinstance(public, ec.EllipticCurvePublicKey):
            return None
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, signing, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return None
        return claims
    return None
