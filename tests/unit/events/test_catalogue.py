"""The event catalogue in docs/architecture.md is the one the registry prints."""

from __future__ import annotations

from pathlib import Path

from tuoyu.events import catalogue

ARCHITECTURE = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"


def test_the_architecture_documents_catalogue_is_the_registrys():
    written = catalogue.in_document(ARCHITECTURE.read_text(encoding="utf-8"))
    assert written, "docs/architecture.md has lost its catalogue markers"
    assert written == catalogue.markdown(), "run `python -m tuoyu.events.catalogue --write docs/architecture.md`"
