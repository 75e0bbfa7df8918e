"""The finance bureau's desk (`/desk` on the billing service): pages for a finance official signed in with a key of
role `finance`, platform-wide or scoped to a jurisdiction, over what the API's finance routes do.

`SITE` is the desk `create_service` installs (sign-in, sessions, error pages: `tuoyu.desk.web`); `routers` its pages.
A session's key is resolved again on each request as the API resolves a key (`billing.api.deps.official`).
"""

from __future__ import annotations

from pathlib import Path

from billing.api.deps import official
from billing.desk import pages, payments
from tuoyu import auth
from tuoyu.desk.web import DeskSite

SITE = DeskSite(role=auth.FINANCE, title="财政局工作台", resolve=official,
                templates=Path(__file__).parent / "templates",
                nav=(("/desk", "结算概览"), ("/desk/payouts", "拨付审批"), ("/desk/budgets", "预算执行"),
                     ("/desk/reconcile", "对账"), ("/desk/bank-accounts", "账户变更")))
routers = (pages.router, payments.router)
