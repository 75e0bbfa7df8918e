"""`tuoyu keys issue | list | revoke`: the platform operator's keys for officials (POLICY "Jurisdictions").

A commission or finance key acts on its jurisdiction and every one under it. `issue` prints the key once: it is kept
only as a keyed hash. Exit 0 done (revoking a revoked key again changes nothing); 1 refused, with the one line why.
"""

from __future__ import annotations

import json

import typer

from tuoyu.cli.client import Api, ApiError
from tuoyu.cli.finance import fail, settings

keys_app = typer.Typer(help="Officials' keys, scoped to a jurisdiction: the platform operator issues them",
                       no_args_is_help=True)


def _call(method: str, path: str, **kwargs):
    api = Api(settings())
    try:
        return api.call(api.operator, method, path, **kwargs)
    except ApiError as exc:
        fail(str(exc))


@keys_app.command("issue")
def issue(role: str = typer.Option(..., "--role", help="commission (the health commission) or finance (the "
                                                       "finance bureau)"),
          jurisdiction: str = typer.Option(..., "--jurisdiction", help="the code it acts on, with every one under "
                                                                       "it: 330900 covers 330903 and 330902"),
          label: str = typer.Option(None, "--label", help="who holds it, for the list")) -> None:
    """Issue a key with the operator key (TUOYU_OPERATOR_KEY, or .stack/secrets.env); prints it, this once."""
    body = {"role": role, "jurisdiction": jurisdiction, **({"label": label} if label else {})}
    typer.echo(json.dumps(_call("POST", "/official-keys", json=body).json(), ensure_ascii=False))


@keys_app.command("list")
def listed() -> None:
    """Print every official key issued (never the key), one JSON object a line."""
    for key in _call("GET", "/official-keys").json():
        typer.echo(json.dumps(key, ensure_ascii=False))


@keys_app.command("revoke")
def revoke(key_id: int = typer.Argument(..., help="the key_id that `issue` printed")) -> None:
    """Revoke a key: every service refuses it from now on."""
    _call("DELETE", f"/official-keys/{key_id}")
    typer.echo(f"revoked key {key_id}")
