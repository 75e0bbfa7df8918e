"""The committed JSON schema of each (event type, schema version), and the command that records a new one.

    python -m tuoyu.events.versions          # write the schema of every current version not yet committed
    python -m tuoyu.events.versions --check  # only say what differs; exit 1 if anything does

`schemas/<Type>.v<N>.json` is what consumers were promised for that version. A later model for the same version must
stay backward compatible with it (`tuoyu.events.compat`); the command records a compatible change over the file and
refuses an incompatible one: that needs a new version in the registry, with the old model kept in `earlier` so
that consumers read both.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import msgspec

from tuoyu.events import compat, registry

SCHEMAS = Path(__file__).parent / "schemas"


def schema_of(model: type) -> dict:
    """The model's JSON schema as the committed file reads back (a tuple default is a JSON list there)."""
    return json.loads(msgspec.json.encode(msgspec.json.schema(model)))


def path_of(name: str, version: int) -> Path:
    return SCHEMAS / f"{name}.v{version}.json"


def committed() -> dict[tuple[str, int], dict]:
    """Every committed schema by (event type, version)."""
    found = {}
    for path in sorted(SCHEMAS.glob("*.v*.json")):
        name, version = path.name.removesuffix(".json").rsplit(".v", 1)
        found[(name, int(version))] = json.loads(path.read_text(encoding="utf-8"))
    return found


def differences() -> dict[tuple[str, int], str]:
    """What differs between the models and the committed schemas: missing, changed compatibly, or incompatible."""
    found, on_file = {}, committed()
    models = registry.models()
    for key, model in models.items():
        current = schema_of(model)
        if key not in on_file:
            found[key] = "not committed"
        elif (wrong := compat.problems(on_file[key], current)):
            found[key] = "incompatible: " + "; ".join(wrong)
        elif current != on_file[key]:
            found[key] = "changed compatibly, not committed"
    for key in on_file.keys() - models.keys():
        found[key] = "committed, but no model reads it any more"
    return found


def _text(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tuoyu.events.versions", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything differs")
    args = parser.parse_args(argv)
    status = 0
    for (name, version), what in sorted(differences().items()):
        print(f"{name} v{version}: {what}")
        if args.check or not what.startswith(("not committed", "changed compatibly")):
            status = 1
            continue
        path_of(name, version).write_text(_text(schema_of(registry.models()[(name, version)])), encoding="utf-8")
        print(f"  wrote {path_of(name, version).relative_to(SCHEMAS.parent)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
