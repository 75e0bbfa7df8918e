"""The health commission's desk (卫生健康委工作台): pages for a commission official signed in with a key of role
admin, platform-wide or scoped to a jurisdiction (`tuoyu.desk.web`). Every page and form asks what the API asks
with the same caller: `principal_of_hash` answers for a session's key what `deps.principal` answers for the key."""

from __future__ import annotations

from pathlib import Path

from enrollment.api.deps import principal_of_hash
from enrollment.desk import classes, duplicates, facilities, planning
from tuoyu import auth
from tuoyu.desk.web import DeskSite

SITE = DeskSite(role=auth.ADMIN, title="卫生健康委工作台", resolve=principal_of_hash,
                templates=Path(__file__).parent / "templates",
                nav=(("/desk", "辖区机构"), ("/desk/classes", "待确认班级"), ("/desk/duplicates", "重复登记幼儿"),
                     ("/desk/planning", "托位规划")))
ROUTERS = [facilities.router, classes.router, duplicates.router, planning.router]
