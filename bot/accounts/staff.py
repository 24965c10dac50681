"""Dashboard accounts: staff users, their passwords, what each may see, and sign-in limits.

Passwords are stored as werkzeug hashes (scrypt). Sign-in attempts are counted in Redis
per email and per IP address over LOGIN_WINDOW_SECONDS, before the password is checked
(a successful one is taken off again); past either limit every sign-in is refused for the
rest of the window, right password or not, with the same words whether or not the email
has an account.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import indian_pincode
from sqlalchemy import Connection, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from bot.services import Services
from bot.storage.models.accounts import StaffUser
from scheduler import clock

log = logging.getLogger(__name__)

USER = StaffUser.__table__
ROLES = ("admin", "district")
MIN_PASSWORD_LENGTH = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


class SignInRefused(Exception):
    """Wrong email or password, or too many failed attempts (``retry_after`` seconds)."""

    def __init__(self, retry_after: int = 0) -> None:
        super().__init__("too many attempts" if retry_after else "wrong email or password")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Scope:
    """The districts someone may see: ``None`` is every district (an admin)."""

    districts: frozenset[str] | None = None

    @property
    def everywhere(self) -> bool:
        return self.districts is None

    def allows(self, district: str | None) -> bool:
        return self.districts is None or (district or "").upper() in self.districts

    def allows_pincodes(self, pincodes: Iterable[str]) -> bool:
        """Whether every PIN code (a block's) lies in a district in scope."""
        return self.districts is None or all(self.allows(pincode_district(p)) for p in pincodes)

    def where(self, column):
        """An SQL condition keeping rows whose ``column`` (a district) is in scope."""
        return column.is_not(None) if self.districts is None else column.in_(sorted(self.districts))

    @property
    def key(self) -> str:
        """A short name of the scope, for cache keys."""
        return "all" if self.districts is None else ",".join(sorted(self.districts))


@dataclass(frozen=True)
class User:
    """A signed-in member of staff."""

    id: int
    email: str
    role: str
    districts: tuple[str, ...]
    active: bool = True
    fingerprint: str = ""  # changes with the password and at sign-out: older sessions end

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def scope(self) -> Scope:
        return Scope(None if self.is_admin else frozenset(self.districts))


@cache
def known_districts() -> dict[str, str]:
    """Every district India Post knows (upper-case) and its state."""
    return {
        district.upper(): state
        for state in indian_pincode.list_states()
        for district in indian_pincode.list_districts(state)
    }


def pincode_district(pincode: str) -> str | None:
    """The district of a PIN code, or None for an unknown one."""
    details = indian_pincode.get_details(pincode.strip())
    return details["districts"][0].upper() if details and details["districts"] else None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _fingerprint(row) -> str:
    """What a session must still match: it changes with the password and at sign-out."""
    return hashlib.sha256(f"{row.password_hash}:{row.session_version}".encode()).hexdigest()[:16]


def _user(row) -> User:
    return User(
        row.id,
        row.email,
        row.role,
        tuple(row.districts or ()),
        bool(row.active),
        _fingerprint(row),
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if "\x00" in password:
        raise AccountError("a password cannot hold a NUL character")


def create_user(
    services: Services, email: str, password: str, role: str, districts: list[str]
) -> User:
    """A new account; a district officer needs at least one district India Post knows."""
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"role is one of {', '.join(ROLES)}")
    names = sorted({d.strip().upper() for d in districts if d.strip()})
    if role == "district" and not names:
        raise AccountError("a district officer needs at least one --district")
    if role == "admin" and names:
        raise AccountError("an admin sees every district: give no --district")
    unknown = [name for name in names if name not in known_districts()]
    if unknown:
        raise AccountError(f"unknown district(s): {', '.join(unknown)} (as India Post writes them)")
    check_password(password)
    with services.db.writing() as conn:
        if conn.scalar(select(USER.c.id).where(USER.c.email == email)) is not None:
            raise AccountError(f"{email} already has an account")
        conn.execute(
            insert(USER).values(
                email=email,
                password_hash=generate_password_hash(password),
                role=role,
                districts=names,
                active=True,
                created_at=clock.now(),
            )
        )
        return _user(_row(conn, email))


def set_password(services: Services, email: str, password: str) -> None:
    """Change a password; sessions signed in with the old one end."""
    check_password(password)
    with services.db.writing() as conn:
        changed = conn.execute(
            update(USER)
            .where(USER.c.email == normalise_email(email))
            .values(password_hash=generate_password_hash(password))
        ).rowcount
    if not changed:
        raise AccountError(f"no account {normalise_email(email)}")


def set_active(services: Services, email: str, active: bool) -> None:
    """Let an account sign in again, or stop it (its sessions end at once)."""
    with services.db.writing() as conn:
        changed = conn.execute(
            update(USER).where(USER.c.email == normalise_email(email)).values(active=active)
        ).rowcount
    if not changed:
        raise AccountError(f"no account {normalise_email(email)}")


def list_users(services: Services) -> list[User]:
    with services.db.reading() as conn:
        return [_user(row) for row in conn.execute(select(USER).order_by(USER.c.email))]


def load_user(services: Services, user_id: int, fingerprint: str) -> User | None:
    """The active account ``user_id`` if its password is still the one signed in with."""
    with services.db.reading() as conn:
        row = conn.execute(select(USER).where(USER.c.id == user_id)).one_or_none()
    if row is None or not row.active or _fingerprint(row) != fingerprint:
        return None
    return _user(row)


def sign_out(services: Services, user_id: int) -> None:
    """End the account's sessions on the server: a copied cookie no longer signs in."""
    with services.db.writing() as conn:
        conn.execute(
            update(USER)
            .where(USER.c.id == user_id)
            .values(session_version=USER.c.session_version + 1)
        )


def _row(conn: Connection, email: str):
    return conn.execute(select(USER).where(USER.c.email == email)).one_or_none()


@cache
def _decoy_hash() -> str:
    """Checked when the email has no account, so that both take as long."""
    return generate_password_hash("decoy password, never anyone's")


def _limit_keys(email: str, ip: str) -> list[str]:
    digest = hashlib.sha256(email.encode()).hexdigest()[:24]
    return [f"tika:login:email:{digest}", f"tika:login:ip:{ip}"]


def sign_in(services: Services, email: str, password: str, ip: str) -> User:
    """The account whose email and password these are; SignInRefused otherwise.

    Each attempt is counted (Redis INCR, per email and per address) before the slow
    password check, so attempts made in parallel cannot all slip under the limit; a
    sign-in that succeeds is taken off the counts again.
    """
    config, redis = services.config, services.redis
    email = normalise_email(email)
    keys = _limit_keys(email, ip or "-")
    limits = [config["LOGIN_ATTEMPTS_PER_EMAIL"], config["LOGIN_ATTEMPTS_PER_IP"]]
    pipe = redis.pipeline()
    for key in keys:
        pipe.set(key, 0, ex=config["LOGIN_WINDOW_SECONDS"], nx=True)
        pipe.incr(key)
    counts = pipe.execute()[1::2]
    over = [key for key, n, most in zip(keys, counts, limits, strict=True) if n > most]
    if over:
        raise SignInRefused(retry_after=max(max(redis.ttl(key) for key in over), 1))
    with services.db.reading() as conn:
        row = _row(conn, email)
    right = check_password_hash(row.password_hash if row else _decoy_hash(), password)
    # scrypt keys an HMAC with the password, which pads it with NULs: "pw" and "pw\0"
    # hash alike. No password holds one (check_password), so none with one is right.
    right = right and "\x00" not in password
    if not (row and right and row.active):
        log.info("failed dashboard sign-in")
        raise SignInRefused()
    pipe = redis.pipeline()
    pipe.delete(keys[0])
    pipe.decr(keys[1])
    pipe.execute()
    with services.db.writing() as conn:
        conn.execute(update(USER).where(USER.c.id == row.id).values(last_login_at=clock.now()))
    return _user(row)


def minutes(seconds: int) -> int:
    """Whole minutes, rounded up, for "try again in N minutes"."""
    return max(1, -(-seconds // 60))
