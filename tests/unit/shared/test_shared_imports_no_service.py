"""The shared package is what the services import; it imports none of them (its CLI is a client of their APIs)."""

from __future__ import annotations

import ast
from pathlib import Path

import tuoyu

SERVICES = {"enrollment", "subsidy", "billing"}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, wherever in it (functions included); relative imports are its own."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_module_of_the_shared_package_imports_a_service():
    modules = sorted(Path(tuoyu.__file__).parent.rglob("*.py"))
    assert len(modules) > 10
    offending = {str(m.relative_to(Path(tuoyu.__file__).parent)): sorted(imported_packages(m) & SERVICES)
                 for m in modules if imported_packages(m) & SERVICES}
    assert offending == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from subsidy.rules import catalog\n    import billing.app as b\n")
    assert imported_packages(module) == {"subsidy", "billing"}
