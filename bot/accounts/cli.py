"""``flask --app bot users ...``: dashboard accounts. Passwords are typed at a prompt (or
piped on standard input by scripts), never given as arguments."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from bot.accounts import staff as accounts
from bot.services import services


def read_password() -> str:
    """A new password: typed twice at a prompt, or the first line of standard input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@contextmanager
def refused_as_usage_error() -> Iterator[None]:
    """An account request that cannot be carried out ends the command with its reason."""
    try:
        yield
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None


@click.group()
def users() -> None:
    """Dashboard accounts: admins, and district officers who see only their districts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option(
    "--district", "districts", multiple=True, help="A district officer's district; repeat."
)
def create_command(email: str, role: str, districts: tuple[str, ...]) -> None:
    """Create an account for EMAIL; the password is asked for."""
    with refused_as_usage_error():
        user = accounts.create_user(services(), email, read_password(), role, list(districts))
    where = ", ".join(user.districts) if user.districts else "every district"
    click.echo(f"account {user.email} ({user.role}) created: sees {where}")


@users.command("password")
@click.argument("email")
def password_command(email: str) -> None:
    """Set a new password for EMAIL (its sessions end)."""
    with refused_as_usage_error():
        accounts.set_password(services(), email, read_password())
    click.echo(f"password of {accounts.normalise_email(email)} changed")


@users.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Stop EMAIL from signing in (its sessions end at once)."""
    with refused_as_usage_error():
        accounts.set_active(services(), email, False)
    click.echo(f"account {accounts.normalise_email(email)} disabled")


@users.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Let EMAIL sign in again."""
    with refused_as_usage_error():
        accounts.set_active(services(), email, True)
    click.echo(f"account {accounts.normalise_email(email)} enabled")


@users.command("list")
def list_command() -> None:
    """Every account."""
    for user in accounts.list_users(services()):
        where = ", ".join(user.districts) if user.districts else "every district"
        state = "" if user.active else "  (disabled)"
        click.echo(f"{user.email}  {user.role}  {where}{state}")
