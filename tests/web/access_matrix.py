"""Who may open which endpoint: the route × role matrix, as data.

Every endpoint in ``app.url_map`` must have a row in ``ACCESS``; every URL argument must have a
value in ``URL_ARGS`` (by name) or ``URL_ARGS_FOR`` (by endpoint and name). When you add an
endpoint, add its row here; ``tests/web/test_access_matrix.py`` fails, naming it, until you do.

Rows:
- ``PUBLIC``: anyone, logged in or not;
- ``LOGGED_IN``: any logged-in user (the view itself scopes what it shows);
- ``roles(Role.X, …)``: only users holding one of these roles; everyone else gets 403 and
  anonymous visitors go to the login page. The roles must be exactly those whose permissions
  (``ROLE_PERMISSIONS``) meet the view's ``@require(...)``: the matrix states the intent, the code
  states the mechanism, and the test checks that they agree.
- ``scope="lgo"`` / ``scope="province"`` on a row says the page is about one LGO or province
  (taken from its URL arguments): a user whose grant is for another LGO or province gets 403.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from lgo_assess.core.security import Role
from tests.web import notification_scene
from tests.web.evidence_scene import evidence_id
from tests.web import assessment_scene
from tests.web import certification_scene
from tests.web import review_scene
from tests.web import api_scene
from tests.web import kpi_scene

ANONYMOUS = "anonymous"
PRINCIPALS = (ANONYMOUS, *(role.value for role in Role))


@dataclass(frozen=True)
class Access:
    kind: str                                # "public" | "authenticated" | "roles"
    roles: frozenset[Role] = frozenset()
    scope: str | None = None                 # "lgo" | "province": the page is about one of them
    allowed_statuses: frozenset[int] = field(default_factory=frozenset)  # beyond the usual

    def allows(self, principal: str) -> bool:
        if self.kind == "public":
            return True
        if principal == ANONYMOUS:
            return False
        return self.kind == "authenticated" or Role(principal) in self.roles


PUBLIC = Access("public")
LOGGED_IN = Access("authenticated")


def roles(*granted: Role, scope: str | None = None) -> Access:
    return Access("roles", frozenset(granted), scope)


ADMIN = roles(Role.DLA_ADMIN)
EVIDENCE_VIEWERS = (Role.LGO_EDITOR, Role.LGO_EXECUTIVE, Role.PROVINCIAL_OFFICER,
                    Role.DLA_APPROVER, Role.DLA_ADMIN)
EVIDENCE_ITEM = Access("roles", frozenset(Role), "lgo", frozenset({403}))

# KPIs: DLA executives (approvers, administrators) see the nation, provincial officers their
# province (a drill-down outside it is 403), an LGO's staff their LGO (assessors get 403);
# approvers enter values, administrators set targets; open data is public
KPI_NATIONAL = roles(Role.DLA_APPROVER, Role.DLA_ADMIN)
KPI_ACCESS: dict[str, Access] = {
    **{f"kpi.{name}": KPI_NATIONAL for name in (
        "national", "national_export", "show", "cycle", "report_pdf")},
    **{f"kpi.{name}": Access("roles", frozenset({Role.PROVINCIAL_OFFICER, Role.DLA_APPROVER,
                                                 Role.DLA_ADMIN}), None, frozenset({403}))
       for name in ("drilldown", "drilldown_export")},
    "kpi.province_index": roles(Role.PROVINCIAL_OFFICER, Role.DLA_APPROVER, Role.DLA_ADMIN),
    **{f"kpi.{name}": roles(Role.PROVINCIAL_OFFICER, Role.DLA_APPROVER, Role.DLA_ADMIN,
                            scope="province") for name in ("province", "province_export")},
    **{f"kpi.{name}": Access("authenticated", scope="lgo", allowed_statuses=frozenset({403}))
       for name in ("lgo", "lgo_export")},
    "kpi.values": roles(Role.DLA_APPROVER), "kpi.edit_value": roles(Role.DLA_APPROVER),
    "kpi.value_file": Access("roles", frozenset({Role.DLA_APPROVER, Role.DLA_ADMIN}), None,
                             frozenset({404})),          # the scene's value has no file
    "kpi.targets": roles(Role.DLA_ADMIN),
    "kpi.open_data": PUBLIC, "kpi.open_dataset": PUBLIC,
}

ACCESS: dict[str, Access] = {
    "static": PUBLIC,
    # core
    "core.home": PUBLIC,
    "core.set_language": PUBLIC,
    "core.font": PUBLIC,
    "core.health": PUBLIC,
    # accounts
    "accounts.login": PUBLIC,
    # The second step of a login: without a login waiting for it, back to the login page.
    "accounts.second_factor": PUBLIC,
    "accounts.enrol_at_login": PUBLIC,
    "accounts.cancel_login": PUBLIC,
    "accounts.two_factor": LOGGED_IN,
    "accounts.new_recovery_codes": LOGGED_IN,
    "accounts.reset_second_factor": ADMIN,
    "accounts.logout": LOGGED_IN,
    "accounts.profile": LOGGED_IN,
    "accounts.save_language": LOGGED_IN,
    "accounts.end_other_sessions": LOGGED_IN,
    "accounts.list_users": ADMIN,
    "accounts.create_user": ADMIN,
    "accounts.show_user": ADMIN,
    "accounts.grant_role": ADMIN,
    "accounts.remove_grant": ADMIN,
    "accounts.disable_user": ADMIN,
    "accounts.enable_user": ADMIN,
    # registry
    "registry.directory": PUBLIC,
    # cycles (DLA administration) and notifications (anyone's own; someone else's is a 404)
    "cycles.index": ADMIN, "cycles.open_cycle": ADMIN, "cycles.show": ADMIN, "cycles.extend": ADMIN,
    "notifications.index": LOGGED_IN, "notifications.read_all": LOGGED_IN,
    "notifications.open_notification": Access("authenticated", allowed_statuses=frozenset({404})),
    "notifications.outbox": ADMIN,
    "registry.lgo_profile": PUBLIC,
    "registry.lgo_edit": ADMIN,
    "registry.upgrade_type": ADMIN,
    "registry.set_lgo_area_tags": ADMIN,
    "registry.deactivate": ADMIN,
    "registry.area_tags": ADMIN,
    # criteria (public browser)
    "criteria.index": PUBLIC,
    "criteria.search": PUBLIC,
    "criteria.show_standard": PUBLIC,
    "criteria.show_edition": PUBLIC,
    "criteria.show_criterion": PUBLIC,
    "criteria.edition_pdf": PUBLIC,
    "criteria.compare": PUBLIC,
    # evidence: members of the LGO manage its library; its province and DLA see it; item pages
    # also admit assessors, but only those an ACCESS_GRANTERS hook lets in (others get 403)
    "evidence.index": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE),
    "evidence.library": roles(*EVIDENCE_VIEWERS, scope="lgo"),
    "evidence.items_json": roles(*EVIDENCE_VIEWERS, scope="lgo"),
    "evidence.upload": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "evidence.add_link": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "evidence.show_item": EVIDENCE_ITEM,
    "evidence.download": EVIDENCE_ITEM,
    "evidence.preview_image": EVIDENCE_ITEM,
    "evidence.edit_item": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "evidence.delete_item": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    # assessments: the LGO's own staff work on its self-assessment; the executive withdraws
    "assessments.my_assessments": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE),
    "assessments.start": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "assessments.workspace": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "assessments.save_response": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "assessments.evidence_picker": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "assessments.link_evidence": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "assessments.unlink_evidence": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "assessments.submit": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "assessments.history": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "assessments.withdraw": roles(Role.LGO_EXECUTIVE, scope="lgo"),
    # certification: DLA approvers decide, revoke and correct; verification pages, the
    # register and the signing keys are public
    **{f"certification.{name}": roles(Role.DLA_APPROVER) for name in (
        "queue", "bulk_approve", "show_assessment", "decide", "decisions", "show_decision",
        "request_revocation", "confirm_revocation", "cancel_revocation", "correct_certificate")},
    **{f"certification.{name}": PUBLIC for name in (
        "verify", "verify_pdf", "register", "register_csv", "keys_json", "public_key")},
    # historical results (before the platform): DLA's administrators import them
    **{f"history.{name}": ADMIN for name in (
        "index", "upload", "template_xlsx_file", "template_csv_file")},
    # review: the province's officer screens and assigns; assigned assessors score (others get
    # 403 from the view); the LGO answers evidence requests; DLA sees calibration
    "review.queue": roles(Role.PROVINCIAL_OFFICER),
    "review.bulk_accept": roles(Role.PROVINCIAL_OFFICER),
    "review.workload": roles(Role.PROVINCIAL_OFFICER),
    "review.accept": roles(Role.PROVINCIAL_OFFICER, scope="province"),
    "review.return_assessment": roles(Role.PROVINCIAL_OFFICER, scope="province"),
    "review.team": roles(Role.PROVINCIAL_OFFICER, scope="province"),
    "review.end_assignment": roles(Role.PROVINCIAL_OFFICER, Role.ASSESSOR, scope="province"),
    "review.show": roles(Role.PROVINCIAL_OFFICER, Role.ASSESSOR, Role.DLA_APPROVER,
                         scope="province"),
    "review.changes": roles(Role.PROVINCIAL_OFFICER, Role.ASSESSOR, Role.DLA_APPROVER,
                            scope="province"),
    **{f"review.{name}": roles(Role.ASSESSOR) for name in (
        "mine", "scores", "complete", "reopen", "request_evidence",
        "schedule_visit", "visit", "visit_photos", "onsite_sheet", "recommend")},
    "review.consensus": roles(Role.ASSESSOR, Role.DLA_APPROVER),
    "review.lgo_index": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE),
    "review.lgo_requests": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "review.answer_requests": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "review.settings": ADMIN,
    "review.calibration_index": roles(Role.DLA_APPROVER, Role.DLA_ADMIN),
    "review.calibration": roles(Role.DLA_APPROVER, Role.DLA_ADMIN),
    # API (requests carry the principal's token, see tests/web/api_scene.py): reads for any
    # token, scoped by the view; writes for the roles that may; the document is public
    "api.openapi_json": PUBLIC, "api.docs": PUBLIC,
    **{f"api.{name}": LOGGED_IN for name in (
        "list_regions", "list_provinces", "show_province", "list_lgos", "show_lgo",
        "list_standards", "show_standard", "show_edition", "list_cycles", "show_cycle",
        "list_assessments", "list_certificates", "show_certificate")},
    "api.show_assessment": Access("authenticated", scope="lgo",
                                  allowed_statuses=frozenset({403})),  # unassigned assessors
    "api.save_response": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "api.link_evidence": roles(Role.LGO_EDITOR, Role.LGO_EXECUTIVE, scope="lgo"),
    "api.unlink_evidence": Access("roles", frozenset({Role.LGO_EDITOR, Role.LGO_EXECUTIVE}),
                                  "lgo", frozenset({404})),  # the item is not cited
    "api.list_scores": Access("roles", frozenset({Role.ASSESSOR}), None, frozenset({403})),
    "api.save_score": Access("roles", frozenset({Role.ASSESSOR}), None, frozenset({403})),
    "api.list_kpis": LOGGED_IN,
    "api.show_kpi": Access("authenticated", allowed_statuses=frozenset({403})),  # nation: DLA
    **KPI_ACCESS,
    "api_tokens.create_token": LOGGED_IN,
    "api_tokens.revoke_token": Access("authenticated", allowed_statuses=frozenset({404})),
}


# URL arguments -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    """One LGO with the province, district and subdistrict it sits in (plain values, so they
    survive the rollback after each request)."""

    lgo_id: int
    lgo_code: str
    province_id: int
    province_code: str
    district_id: int
    district_code: str
    subdistrict_id: int
    subdistrict_code: str


@dataclass(frozen=True)
class Scene:
    """The objects the matrix requests are about. ``own`` is where the scoped principals hold
    their grants; ``other`` is a second LGO in another province."""

    own: Place
    other: Place
    user_id: int          # an account to look at (not one of the principals)
    grant_id: int         # one of that account's grants
    area_tag_id: int
    area_tag_code: str
    region_code: str
    principals: dict[str, str | None]   # principal → e-mail (None for anonymous)


ArgValue = Callable[[Scene, Place], object]

# Values for URL arguments by name: a function of the scene and the place the request is about.
URL_ARGS: dict[str, ArgValue] = {
    "filename": lambda s, p: "css/app.css",
    "name": lambda s, p: "Sarabun-Regular.ttf",
    "user_id": lambda s, p: s.user_id,
    "grant_id": lambda s, p: s.grant_id,
    "lgo_id": lambda s, p: p.lgo_id,
    "dla_code": lambda s, p: p.lgo_code,
    "lgo_code": lambda s, p: p.lgo_code,
    "province_id": lambda s, p: p.province_id,
    "province_code": lambda s, p: p.province_code,
    "district_id": lambda s, p: p.district_id,
    "district_code": lambda s, p: p.district_code,
    "subdistrict_id": lambda s, p: p.subdistrict_id,
    "subdistrict_code": lambda s, p: p.subdistrict_code,
    "area_tag_id": lambda s, p: s.area_tag_id,
    "tag_code": lambda s, p: s.area_tag_code,
    "region_code": lambda s, p: s.region_code,
    "notification_id": notification_scene.notification_id,
    "standard_code": lambda s, p: _criteria_edition().standard.code,
    "edition_code": lambda s, p: _criteria_edition().code,
    "criterion_code": lambda s, p: "1.1",
    "fy": lambda s, p: 2569,
    "evidence_id": lambda s, p: evidence_id(p),
    "assessment_id": lambda s, p: assessment_scene.assessment_id(p),
    "decision_id": certification_scene.decision_id,
    "request_id": certification_scene.request_id,
    "certificate_id": certification_scene.certificate_id,
    "token": certification_scene.token,
    "kid": certification_scene.kid,
    "serial": api_scene.serial,
    "token_id": api_scene.token_id,
    "kpi_id": api_scene.kpi_id,
}


def _criteria_edition():
    """The fixture edition TST 2569, published (imported on first use: the scene has none)."""
    from tests.factories import make_edition
    return make_edition()


# Where one argument name means different things on different endpoints (e.g. ``code``).
URL_ARGS_FOR: dict[str, dict[str, ArgValue]] = {
    "cycles.show": {"cycle_id": notification_scene.cycle_id},
    "cycles.extend": {"cycle_id": notification_scene.cycle_id},
    "assessments.start": {"cycle_id": lambda s, p: assessment_scene.cycle_id(p)},
    "certification.show_assessment": {"assessment_id": certification_scene.assessment_id},
    "certification.decide": {"assessment_id": certification_scene.assessment_id},
    **review_scene.URL_ARGS_FOR,
    "api.show_cycle": {"cycle_id": api_scene.cycle_id},
    "kpi.cycle": {"cycle_id": notification_scene.cycle_id},
    "kpi.edit_value": {"kpi_id": kpi_scene.manual_kpi_id},
    "kpi.value_file": {"kpi_id": kpi_scene.manual_kpi_id},
    "kpi.open_dataset": {"dataset": lambda s, p: "certificates", "fmt": lambda s, p: "csv"},
}


def url_values(endpoint: str, arguments, scene: Scene, place: Place) -> tuple[dict, list[str]]:
    """The values for an endpoint's URL arguments, and the names that have none."""
    values, missing = {}, []
    for name in sorted(arguments):
        source = URL_ARGS_FOR.get(endpoint, {}).get(name) or URL_ARGS.get(name)
        if source is None:
            missing.append(name)
        else:
            values[name] = source(scene, place)
    return values, missing
