"""Who may call what, for the three services: the policy the access matrix checks and the fuzzer's keys follow.

Callers hold one of: no key, a wrong key, another facility's key, a family token, the admin (health commission)
key, the finance key, the platform operator's key, or the facility's own key. What each gets follows from three facts
per endpoint:

- a key the service does not know (no key, a wrong one, a facility key at subsidy, a family token anywhere but
  billing) gets 401;
- a known key whose role the endpoint does not serve gets `refused` (404: not the caller's business whether the
  record exists; 401 on the family pages, which know only family tokens);
- a facility key that names another facility's record (`scoped`) gets 404; where the endpoint answers each facility
  with its own records (`scoped=False`), another facility's key gets 2xx and its own (empty) view.
Public endpoints answer anyone.

The desks (routes under `/desk`) take no key on a request: a key is typed into the desk's sign-in form once and
becomes a session cookie. Only keys of the desk's role sign in (the health commission's at enrollment, the finance
bureau's at billing); every other caller has no session, and a desk route without one answers 401 with the sign-in
page (`refused=401`). Refusals on a desk are HTML pages, and a desk's form answers 303 (back to a page) when it is done.

The jurisdiction dimension (POLICY "Jurisdictions"): officials' keys scoped to Putuo (330903) or to Zhoushan city
(330900, which covers Putuo and Dinghai 330902) against the records of a facility in Putuo and of one in Dinghai
(`expected_in`). A scoped key acts where the platform-wide key of its role does, on the records of a facility its
scope covers (at subsidy and billing: of the jurisdiction its scope holds, named by `jurisdiction`, a fund, a payout or
the facility); another's are 404 (422 where the request names them in its body: a facility, a rule set's
jurisdictions, a payout in a bank confirmation); an endpoint naming neither answers within the scope (`ANY_PLACE`);
what only the platform sees is 404 (`PLATFORM_ONLY`).
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN, FINANCE, FACILITY, FAMILY = "admin", "finance", "facility", "family"
PLATFORM = "operator"  # the platform operator's key (`tuoyu.auth.OPERATOR`): it adds jurisdictions
CREDENTIALS = ("no key", "wrong key", "other facility", "family token", "admin key", "finance key", "operator key",
               "own facility")
ROLE_OF = {"other facility": FACILITY, "family token": FAMILY, "admin key": ADMIN, "finance key": FINANCE,
           "operator key": PLATFORM, "own facility": FACILITY}
# Every service knows the keys in settings (admin, finance, operator); facility keys and family tokens are looked up.
KNOWN_ROLES = {"enrollment": {ADMIN, FINANCE, PLATFORM, FACILITY}, "subsidy": {ADMIN, FINANCE, PLATFORM},
               "billing": {ADMIN, FINANCE, PLATFORM, FACILITY, FAMILY}}


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    scoped: bool = True
    refused: int = 404


def rule(*roles: str, scoped: bool = True, refused: int = 404) -> Rule:
    return Rule(frozenset(roles), scoped, refused)


DESK = "/desk"  # where each service's desk lives (`tuoyu.desk.web.PREFIX`)


def is_desk(route: str) -> bool:
    return route == DESK or route.startswith(DESK + "/")


OPERATOR = {("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"), ("GET", "/openapi.json"), ("GET", "/docs"),
            ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}
PUBLIC = {
    "enrollment": OPERATOR | {("GET", "/public/facilities"), ("GET", "/public/facilities.html"),
                              ("POST", "/registrations"), ("GET", "/desk/sign-in")},
    "subsidy": OPERATOR,
    "billing": OPERATOR | {("GET", "/desk/sign-in")},
}

_commission = rule(ADMIN)
_own_records = rule(ADMIN, FACILITY)  # a facility's own records: its key, or the health commission
_oversight = rule(ADMIN, FINANCE)
_finance = rule(FINANCE)
_family_page = rule(FAMILY, refused=401)
_commission_desk = rule(ADMIN, refused=401)  # others cannot sign in: no session, the sign-in page
_finance_desk = rule(FINANCE, refused=401)

ACCESS: dict[str, dict[tuple[str, str], Rule]] = {
    "enrollment": {
        ("POST", "/facilities"): _commission,
        ("GET", "/facilities"): _commission,
        ("GET", "/outbox"): _commission,
        ("GET", "/national-id-duplicates"): _commission,
        ("PUT", "/facilities/{facility}/filing"): _commission,
        ("PUT", "/facilities/{facility}/certifications"): _commission,
        ("POST", "/facilities/{facility}/rates"): _commission,
        ("POST", "/facilities/{facility}/reviews"): _commission,
        ("POST", "/facilities/{facility}/keys"): _commission,
        ("GET", "/facilities/{facility}/keys"): _commission,
        ("DELETE", "/facilities/{facility}/keys/{key_id}"): _commission,
        ("POST", "/key-introspection"): _commission,
        ("GET", "/facilities/{facility}"): _own_records,
        ("PATCH", "/facilities/{facility}"): _own_records,
        ("POST", "/facilities/{facility}/classes"): _own_records,
        ("GET", "/facilities/{facility}/classes"): _own_records,
        ("GET", "/facilities/{facility}/classes/{klass}"): _own_records,
        ("PATCH", "/facilities/{facility}/classes/{klass}"): _own_records,
        ("PUT", "/facilities/{facility}/classes/{klass}/confirmation"): _commission,
        ("POST", "/class-confirmations"): _commission,
        ("POST", "/facilities/{facility}/families"): _own_records,
        ("GET", "/facilities/{facility}/families"): _own_records,
        ("GET", "/facilities/{facility}/families/{family}"): _own_records,
        ("POST", "/facilities/{facility}/children"): _own_records,
        ("GET", "/facilities/{facility}/children"): _own_records,
        ("GET", "/facilities/{facility}/children/{child}"): _own_records,
        ("PATCH", "/facilities/{facility}/children/{child}"): _own_records,
        ("POST", "/facilities/{facility}/enrollments"): _own_records,
        ("GET", "/facilities/{facility}/enrollments"): _own_records,
        ("GET", "/facilities/{facility}/enrollments/{enrollment}"): _own_records,
        ("PUT", "/facilities/{facility}/enrollments/{enrollment}/withdrawal"): _own_records,
        ("POST", "/facilities/{facility}/enrollments/{enrollment}/fees"): _own_records,
        ("POST", "/facilities/{facility}/roster"): _own_records,
        ("POST", "/jurisdictions"): rule(PLATFORM),
        ("GET", "/jurisdictions"): rule(PLATFORM, ADMIN),
        ("PUT", "/facilities/{facility}/jurisdiction"): _commission,
        ("POST", "/official-keys"): rule(PLATFORM),
        ("GET", "/official-keys"): rule(PLATFORM),
        ("DELETE", "/official-keys/{key_id}"): rule(PLATFORM),
        ("POST", "/jurisdictions/{code}/populations"): _commission,
        ("GET", "/jurisdictions/{code}/populations"): _commission,
        ("GET", "/planning"): _commission,
        ("GET", "/planning.csv"): _commission,
        ("POST", "/desk/sign-in"): _commission_desk,
        ("POST", "/desk/sign-out"): _commission_desk,
        ("GET", "/desk"): _commission_desk,
        ("GET", "/desk/classes"): _commission_desk,
        ("POST", "/desk/facilities/{facility}/classes/{klass}/confirmation"): _commission_desk,
        ("GET", "/desk/duplicates"): _commission_desk,
        ("GET", "/desk/planning"): _commission_desk,
        ("GET", "/desk/planning.csv"): _commission_desk,
        ("GET", "/desk/planning.json"): _commission_desk,
        ("POST", "/desk/jurisdictions/{code}/populations"): _commission_desk,
    },
    "subsidy": {
        ("POST", "/rulesets"): _commission,
        ("POST", "/rulesets/shipped/{ruleset_id}"): _commission,
        ("GET", "/rulesets"): _oversight,
        ("GET", "/rulesets/in-force"): _oversight,
        ("GET", "/due/{month}"): _oversight,
        ("GET", "/due/{month}/batches"): _oversight,
        ("GET", "/due/{month}/jurisdictions"): _oversight,
        ("GET", "/explanations/{month}/{facility}/{enrollment}"): _oversight,
        ("POST", "/whatif"): _oversight,
    },
    "billing": {
        ("POST", "/cycles/{month}"): _finance,
        ("GET", "/cycles"): _oversight,
        ("GET", "/reports/{month}"): _oversight,
        ("GET", "/reports/year/{year}"): _oversight,
        ("PUT", "/budgets/{fund}/{year}"): _finance,
        ("GET", "/budgets"): _oversight,
        ("GET", "/budgets/{fund}/{year}"): _oversight,
        ("GET", "/payouts"): rule(FINANCE, ADMIN, FACILITY, scoped=False),
        ("GET", "/payouts/{number}"): rule(FINANCE, ADMIN, FACILITY),
        ("POST", "/payouts/{month}/approve"): _finance,
        ("POST", "/payouts/{number}/approve-over-budget"): _finance,
        ("GET", "/bank-files/{month}"): _finance,
        ("POST", "/bank-confirmations"): _finance,
        ("GET", "/reconcile/{month}"): _oversight,
        ("GET", "/facilities/{facility}/bank-account"): rule(FINANCE, ADMIN, FACILITY),
        ("POST", "/facilities/{facility}/bank-account/confirm"): _finance,
        ("GET", "/audit"): _oversight,
        ("POST", "/family-tokens"): _own_records,
        ("GET", "/family-tokens"): rule(ADMIN, FACILITY, scoped=False),
        ("DELETE", "/family-tokens/{token_id}"): _own_records,
        ("GET", "/family"): _family_page,
        ("GET", "/family/documents"): _family_page,
        ("GET", "/family/{token}"): _family_page,
        ("POST", "/desk/sign-in"): _finance_desk,
        ("POST", "/desk/sign-out"): _finance_desk,
        ("GET", "/desk"): _finance_desk,
        ("GET", "/desk/budgets"): _finance_desk,
        ("GET", "/desk/payouts"): _finance_desk,
        ("POST", "/desk/payouts/{month}/approve"): _finance_desk,
        ("GET", "/desk/bank-files/{month}"): _finance_desk,
        ("POST", "/desk/bank-confirmations"): _finance_desk,
        ("GET", "/desk/reconcile"): _finance_desk,
        ("GET", "/desk/bank-accounts"): _finance_desk,
        ("POST", "/desk/facilities/{facility}/bank-account/confirm"): _finance_desk,
    },
}


def expected(service: str, endpoint: tuple[str, str], credential: str) -> int | None:
    """The status a credential gets at an endpoint; None means success (any 2xx)."""
    if endpoint in PUBLIC[service]:
        return None
    role = ROLE_OF.get(credential)
    if role not in KNOWN_ROLES[service]:
        return 401
    policy = ACCESS[service][endpoint]
    if role not in policy.roles:
        return policy.refused
    if credential == "other facility" and policy.scoped:
        return 404
    return None


def roles_allowed(service: str, endpoint: tuple[str, str]) -> set[str]:
    """Who may call the endpoint (everyone the service knows, for a public one)."""
    if endpoint in PUBLIC[service]:
        return set(KNOWN_ROLES[service])
    return set(ACCESS[service][endpoint].roles)


SCOPED_KEYS = {"putuo commission": (ADMIN, "330903"), "putuo finance": (FINANCE, "330903"),
               "city commission": (ADMIN, "330900"), "city finance": (FINANCE, "330900")}
PLACES = {"putuo": "330903", "dinghai": "330902"}  # whose facility's records the request names
COVERS = {"330903": {"330903"}, "330900": {"330900", "330903", "330902"}}
PLATFORM_ONLY = {"enrollment": {("GET", "/outbox"), ("POST", "/key-introspection")}}
ANY_PLACE = {  # name no facility nor jurisdiction: a list answers within the caller's scope, an action acts there;
    # the shipped rule set loaded is Putuo's own
    "enrollment": {("GET", "/facilities"), ("GET", "/national-id-duplicates"), ("GET", "/jurisdictions"),
                   ("GET", "/planning"), ("GET", "/planning.csv"), ("POST", "/desk/sign-in"),
                   ("POST", "/desk/sign-out"), ("GET", "/desk"), ("GET", "/desk/classes"), ("GET", "/desk/duplicates"),
                   ("GET", "/desk/planning"), ("GET", "/desk/planning.csv"), ("GET", "/desk/planning.json")},
    "subsidy": {("GET", "/rulesets"), ("POST", "/rulesets/shipped/{ruleset_id}"),
                ("GET", "/due/{month}/jurisdictions")},
    "billing": {("GET", "/budgets"), ("POST", "/payouts/{month}/approve"), ("GET", "/bank-files/{month}"),
                ("GET", "/audit"), ("GET", "/family-tokens"), ("POST", "/desk/sign-in"), ("POST", "/desk/sign-out"),
                # the finance desk's pages and month-wide actions, within the official's scope
                ("GET", "/desk"), ("GET", "/desk/budgets"), ("GET", "/desk/payouts"),
                ("POST", "/desk/payouts/{month}/approve"), ("GET", "/desk/bank-files/{month}"),
                ("GET", "/desk/reconcile"), ("GET", "/desk/bank-accounts")},
}
OUTSIDE = {  # named in the body, the body is wrong (422): a payout out of reach is not on file for a bank's line
    "enrollment": {("POST", "/facilities"): 422, ("POST", "/class-confirmations"): 422},
    "subsidy": {("POST", "/rulesets"): 422},
    "billing": {("POST", "/bank-confirmations"): 422, ("POST", "/desk/bank-confirmations"): 422},
}


def expected_in(service: str, endpoint: tuple[str, str], credential: str, place: str) -> int | None:
    """The status a scoped key (`SCOPED_KEYS`) gets at an endpoint naming the records of a facility in `place`."""
    if endpoint in PUBLIC[service]:
        return None
    role, code = SCOPED_KEYS[credential]
    policy = ACCESS[service][endpoint]
    if role not in policy.roles:
        return policy.refused
    if endpoint in PLATFORM_ONLY.get(service, ()):
        return 404
    if endpoint in ANY_PLACE.get(service, ()) or PLACES[place] in COVERS[code]:
        return None
    return OUTSIDE.get(service, {}).get(endpoint, 404)
