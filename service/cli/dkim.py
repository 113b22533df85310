"""`newsdesk dkim ...`: DKIM keys and the DNS record to publish."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.support import console

dkim_app = typer.Typer(help="DKIM keys.", no_args_is_help=True)


@dkim_app.command("keygen")
def dkim_keygen(
    out: Annotated[Path, typer.Option(help="Where to write the private key (PEM).")] = Path(
        "var/dkim/private.pem"
    ),
    selector: str | None = None,
    domain: str | None = None,
) -> None:
    """Create an RSA-2048 key pair and print the DNS TXT record to publish."""
    from service.mail.dkim_keys import generate_keypair, zone_file_line
    from service.settings import get_settings

    settings = get_settings()
    if out.exists() and not typer.confirm(
        f"{out} exists; replace the key (the old DNS record stops verifying)?"
    ):
        raise typer.Exit(1)
    pem, record = generate_keypair()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.write_bytes(pem)
    console.print(f"private key: {out} (set NEWSDESK_DKIM_PRIVATE_KEY_PATH)")
    console.print(
        zone_file_line(selector or settings.dkim_selector, domain or settings.dkim_domain, record)
    )
