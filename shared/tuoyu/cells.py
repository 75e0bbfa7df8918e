"""Text cells that a spreadsheet can never run (CONTRACT "Errors": exports never carry live formulas).

A facility types its own name; a CSV cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is read
by spreadsheet programs as a formula (OWASP "CSV injection"). Such text gets a leading apostrophe in CSV, which
spreadsheets take as "this is text" and do not show; in XLSX it is stored with the string type. Amounts are
written by the callers as numbers or decimal strings and never pass through here, so "-700.00" stays an amount.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: object) -> object:
    """A text value made safe for a CSV cell; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
