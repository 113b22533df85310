"""Demo newsroom accounts: one per role, with fixed demo-only passwords printed by the demo."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from service.accounts.users import create_user, find_user
from service.models import Coordinator, Role

DOMAIN = "newsroom.example.org"
GERMAN = {Role.APPROVER, Role.COORDINATOR}  # so the demo shows both UI languages


@dataclass(frozen=True)
class DemoAccount:
    """A login the demo prints as `login: <role> <email> <password>`."""

    role: str
    email: str
    password: str

    def line(self) -> str:
        """The line the demo prints."""
        return f"login: {self.role} {self.email} {self.password}"


def create_demo_accounts(session: Session) -> list[DemoAccount]:
    """One user per role (kept when they exist); the coordinator answers the first office."""
    first_office = session.exec(select(Coordinator.id).order_by(col(Coordinator.id))).first()
    accounts = []
    for role in Role:
        account = DemoAccount(role.value, f"{role.value}@{DOMAIN}", f"demo-{role.value}-2026")
        if find_user(session, email=account.email) is None:
            create_user(
                session,
                email=account.email,
                display_name=f"Demo {role.value}",
                role=role,
                password=account.password,
                language="de" if role in GERMAN else "en",
                coordinator_id=first_office if role == Role.COORDINATOR else None,
            )
        accounts.append(account)
    return accounts
