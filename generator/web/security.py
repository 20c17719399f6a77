"""Passwords (Argon2), CSRF tokens, the login throttle, the client's address and the security headers."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
MIN_PASSWORD = 10

# No inline script or style anywhere: every asset comes from this application.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY = hash_password("not-a-password-" + secrets.token_hex(8))


def burn_time(password: str) -> None:
    """Spend as long as a real check when the account does not exist (no user enumeration by timing)."""
    verify_password(_DUMMY, password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"密码至少需要{MIN_PASSWORD}个字符"
    if len(password) > 200:
        return "密码过长（最多200个字符）"
    return None


def new_password() -> str:
    return secrets.token_urlsafe(12)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session: dict) -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: dict, submitted: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected) and bool(submitted) and hmac.compare_digest(str(expected), str(submitted))


class RateLimiter:
    """At most `limit` failures per `window` seconds per key (account name, client address)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    MAX_KEYS = 50_000  # made-up names cannot grow memory without bound: old keys are swept

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
            if len(self._fails) > self.MAX_KEYS:
                for k in [k for k in self._fails if not self._recent(k, now)]:
                    del self._fails[k]

    def reset(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)

    def blocked_keys(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            return [k for k in list(self._fails) if len(self._recent(k, now)) >= self.limit]


class LoginThrottle:
    """Failed logins counted per (account name, client address) pair.

    A pair with `limit` failures in the window is refused, also with the right password: that
    is the only thing that ever refuses a correct password. Failures for one name never touch
    another name's pairs, and made-up names only block their own pairs, so nobody can lock
    another person out (behind a proxy every client would share one address: see
    `client_address`). An address with many failures over all names gets the "too many
    failures" answer to every further *wrong* password, which costs an attacker nothing new
    and a colleague at that address nothing at all. An administrator can unlock a name.
    """

    def __init__(self, limit: int, window: float, address_limit: int) -> None:
        self.pairs = RateLimiter(limit, window)
        self.addresses = RateLimiter(address_limit, window)

    @staticmethod
    def _pair(name: str, address: str) -> str:
        return f"{name.strip().lower()}\x00{address}"

    def refused(self, name: str, address: str) -> bool:
        """This name from this address may not log in now (even with the right password)."""
        return self.pairs.blocked(self._pair(name, address))

    def noisy(self, address: str) -> bool:
        return self.addresses.blocked(address)

    def failed(self, name: str, address: str) -> None:
        self.pairs.fail(self._pair(name, address))
        self.addresses.fail(address)

    def succeeded(self, name: str, address: str) -> None:
        self.pairs.reset(self._pair(name, address))

    def locked(self) -> dict[str, list[str]]:
        """Locked account names (lower case) and the addresses they are locked from."""
        out: dict[str, list[str]] = {}
        for key in self.pairs.blocked_keys():
            name, _, address = key.partition("\x00")
            out.setdefault(name, []).append(address)
        return out

    def unlock(self, name: str) -> int:
        """Forget every failure of this name (from every address); returns how many pairs were locked."""
        prefix = f"{name.strip().lower()}\x00"
        with self.pairs._lock:
            keys = [k for k in self.pairs._fails if k.startswith(prefix)]
            for k in keys:
                del self.pairs._fails[k]
        return len(keys)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(text: str) -> tuple[list[Network], list[str]]:
    """`DISCLOSURE_TRUSTED_PROXIES`: addresses or networks separated by commas or spaces.

    Returns the networks and the entries that are neither (for a message at start-up)."""
    nets: list[Network] = []
    bad: list[str] = []
    for part in text.replace(",", " ").split():
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            bad.append(part)
    return nets, bad


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, proxies: list[Network]) -> str:
    """The address a request came from.

    `X-Forwarded-For` is believed only when the connection itself comes from a configured proxy;
    then the right-most address that is not one of our proxies is the client (entries to its
    left were written by the client and prove nothing). Anyone else's header is ignored.
    """
    peer = peer or "?"
    ip = _ip(peer)
    if ip is None or not any(ip in n for n in proxies) or not forwarded_for:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        addr = _ip(hop)
        if addr is None:
            return peer  # a malformed header from our own proxy: trust only the connection
        if not any(addr in n for n in proxies):
            return str(addr)
    return peer
