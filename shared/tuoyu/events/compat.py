"""BACKWARD compatibility of two JSON schemas of one payload, as a schema registry's BACKWARD mode judges it.

A new schema is backward compatible with an old one when a consumer built on the new one reads every payload written
with the old: each field the new schema requires was required in the old, and each field the old one had is still
there with a type that accepts every value the old type allowed (`string` may become `string | null`, not the other
way). So a new field must be optional (it has a default); removing or retyping a field is incompatible and needs a
new schema version, whose consumers read both. Schemas are `msgspec.json.schema` output: objects in `$defs`,
referred to by `$ref`, unions as `anyOf`.
"""

from __future__ import annotations


def problems(old: dict, new: dict) -> list[str]:
    """What makes `new` unable to read data written with `old` (empty: backward compatible)."""
    return _node(_Side(old), old, _Side(new), new, "$")


class _Side:
    """A schema with its `$defs`, to follow references."""

    def __init__(self, schema: dict):
        self.defs = schema.get("$defs", {})

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.defs[node["$ref"].rsplit("/", 1)[1]]
        return node


def _alternatives(side: _Side, node: dict) -> list[dict]:
    node = side.resolve(node)
    if "anyOf" in node:
        return [alt for part in node["anyOf"] for alt in _alternatives(side, part)]
    if isinstance(node.get("type"), list):
        return [{**node, "type": t} for t in node["type"]]
    return [node]


def _node(old_side: _Side, old: dict, new_side: _Side, new: dict, path: str) -> list[str]:
    found: list[str] = []
    new_alternatives = _alternatives(new_side, new)
    for was in _alternatives(old_side, old):
        same_kind = [alt for alt in new_alternatives if _accepts(_kind(alt), _kind(was))]
        if not same_kind:
            found.append(f"{path}: was {_words(was)}, now {' or '.join(_words(a) for a in new_alternatives)}")
        elif was.get("type") == "object":
            found += _object(old_side, was, new_side, same_kind[0], path)
        elif was.get("type") == "array":
            found += _node(old_side, was.get("items", {}), new_side, same_kind[0].get("items", {}), f"{path}[]")
    return found


def _object(old_side: _Side, old: dict, new_side: _Side, new: dict, path: str) -> list[str]:
    found = []
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    was_required, now_required = set(old.get("required", [])), set(new.get("required", []))
    for name in old_fields:
        if name not in new_fields:
            found.append(f"{path}.{name}: removed")
    for name, node in new_fields.items():
        if name not in old_fields:
            if name in now_required:
                found.append(f"{path}.{name}: new and required (a new field needs a default)")
            continue
        if name in now_required and name not in was_required:
            found.append(f"{path}.{name}: was optional, now required")
        found += _node(old_side, old_fields[name], new_side, node, f"{path}.{name}")
    return found


def _accepts(new: tuple[str, str | None], old: tuple[str, str | None]) -> bool:
    """Whether values of the old kind are values of the new (a format dropped widens; `any` takes everything)."""
    return new == old or new == ("any", None) or (new[0] == old[0] and new[1] is None)


def _kind(node: dict) -> tuple[str, str | None]:
    if "type" not in node:
        return ("any", None)
    return (node["type"], node.get("format"))


def _words(node: dict) -> str:
    kind, form = _kind(node)
    return f"{kind} ({form})" if form else kind
