"""The roster file's columns: a format the importer reads and the CLI writes (docs/roster-import.md).

A file names its columns in its first row, in any order, in English or in the Chinese headers spreadsheets use.
"""

from __future__ import annotations

# In the order the template has them.
COLUMNS = ("family", "child", "birth_date", "birth_order", "national_id", "class", "enrollment", "care",
           "monthly_fee", "start", "end")
OPTIONAL = frozenset({"national_id", "care", "end"})
REQUIRED = tuple(c for c in COLUMNS if c not in OPTIONAL)
# Headers Chinese spreadsheets use, accepted as the same columns.
ALIASES = {
    "家庭": "family", "家庭编号": "family", "幼儿": "child", "幼儿编号": "child", "儿童编号": "child",
    "出生日期": "birth_date", "孩次": "birth_order", "身份证号": "national_id", "身份证号码": "national_id",
    "班级": "class", "班级编号": "class", "入托编号": "enrollment", "托育类型": "care", "月收费": "monthly_fee",
    "月收费标准": "monthly_fee", "入托日期": "start", "离托日期": "end",
}


def column_of(header: str) -> str | None:
    """The column a header names (any case, a byte-order mark ignored), or None for an unknown header."""
    name = header.strip().lstrip("\ufeff")
    name = ALIASES.get(name, name.lower())
    return name if name in COLUMNS else None
