"""The JSON API: authentication, scope, reads with filters and pages, writes with optimistic
locking, errors as problem+json in Thai or English, and the rate limit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import get_domain

from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.security import Role
from lgo_assess.core.thaidate import today_bangkok
from tests.factories import make_evidence_item, make_user
from tests.web.api_helpers import FISCAL_YEAR, bearer, make_world, thai_catalog, token_for

PROBLEM = "application/problem+json"


@pytest.fixture
def world(app_ctx):
    return make_world()


def _get(client, url, secret, **headers):
    return client.get(url, headers=bearer(secret, **headers))


def _put_answer(client, secret, assessment, code, body, **headers):
    return client.put(f"/api/v1/assessments/{assessment.id}/responses/{code}", json=body,
                      headers=bearer(secret, **headers))


# -- Authentication ---------------------------------------------------------------------------

def test_without_a_token_the_api_answers_401_as_a_problem(client, world):
    response = client.get("/api/v1/lgos")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401


def test_a_malformed_or_unknown_token_is_refused(client, world):
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer lgoa_not-a-real-token"):
        response = client.get("/api/v1/lgos", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_acts_as_its_user_and_marks_its_use(client, world):
    user = make_user(Role.DLA_ADMIN)
    secret = token_for(user)
    response = _get(client, "/api/v1/lgos", secret)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    from lgo_assess.api.models import ApiToken
    token = db.session.execute(db.select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert token.last_used_at is not None


def test_the_session_cookie_reads_but_never_writes(client, login, world):
    login(make_user(Role.LGO_EDITOR, lgo=world.lgo_a))
    assert client.get("/api/v1/lgos").status_code == 200
    refused = client.put(f"/api/v1/assessments/{world.assessment_a.id}/responses/1.1",
                         json={"version": None, "level": 2}, headers={"Accept-Language": "en"})
    assert refused.status_code == 401
    assert "token" in refused.get_json()["detail"]
    assert world.assessment_a.response_for("1.1") is None


def test_the_api_needs_no_csrf_token_but_the_profile_form_does(app, client, world,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    editor = make_user(Role.LGO_EDITOR, lgo=world.lgo_a)
    response = _put_answer(client, token_for(editor), world.assessment_a, "1.1",
                           {"version": None, "level": 2})
    assert response.status_code == 200, response.get_json()
    assert client.post("/profile/api-tokens", data={"name": "x"}).status_code == 400


# -- Registry ---------------------------------------------------------------------------------

def test_lgos_carry_their_type_in_the_fiscal_year_asked(client, world):
    secret = token_for(make_user(Role.DLA_ADMIN))
    code = world.upgraded.dla_code
    before = _get(client, f"/api/v1/lgos/{code}?fiscal_year=2566", secret).get_json()
    after = _get(client, f"/api/v1/lgos/{code}?fiscal_year=2567", secret).get_json()
    assert (before["type"], after["type"]) == ("sao", "town_municipality")
    assert [p["type"] for p in after["type_periods"]] == ["sao", "town_municipality"]
    listed = _get(client, f"/api/v1/lgos?fiscal_year=2566&type=sao&province="
                          f"{world.province_a.code}", secret).get_json()
    assert code in {lgo["dla_code"] for lgo in listed["items"]}
    listed = _get(client, f"/api/v1/lgos?fiscal_year=2567&type=sao&province="
                          f"{world.province_a.code}", secret).get_json()
    assert code not in {lgo["dla_code"] for lgo in listed["items"]}
    assert world.lgo_a.dla_code in {lgo["dla_code"] for lgo in listed["items"]}


def test_lists_come_in_pages_with_next_links(client, world):
    secret = token_for(make_user(Role.DLA_ADMIN))
    url = f"/api/v1/lgos?province={world.province_a.code}&per_page=1"
    first = _get(client, url, secret)
    body = first.get_json()
    assert (body["total"], body["pages"], len(body["items"])) == (2, 2, 1)
    assert body["prev"] is None and "page=2" in body["next"]
    assert 'rel="next"' in first.headers["Link"]
    second = _get(client, body["next"], secret).get_json()
    assert second["next"] is None and second["items"] != body["items"]


@pytest.mark.parametrize("query", ["per_page=101", "page=0", "fiscal_year=abc", "type=city",
                                   "province=1%00"])
def test_a_parameter_outside_its_declaration_is_a_422(client, world, query):
    secret = token_for(make_user(Role.DLA_ADMIN))
    response = _get(client, f"/api/v1/lgos?{query}", secret, **{"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert query.split("=")[0] in response.get_json()["detail"]


def test_regions_and_provinces(client, world):
    secret = token_for(make_user(Role.DLA_ADMIN))
    provinces = _get(client, "/api/v1/provinces?region=admin4:central", secret).get_json()
    assert [p["code"] for p in provinces["items"]] == [world.province_a.code]
    one = _get(client, f"/api/v1/provinces/{world.province_a.code}", secret).get_json()
    assert one["admin_region"] == "central"
    regions = _get(client, "/api/v1/regions?scheme=admin4", secret).get_json()
    assert "central" in {r["code"] for r in regions["items"]}
    assert _get(client, "/api/v1/provinces/00", secret).status_code == 404


# -- Criteria and cycles ------------------------------------------------------------------------

def test_an_edition_comes_with_its_criteria_tree(client, world):
    secret = token_for(make_user(Role.LGO_EDITOR, lgo=world.lgo_a))
    standards = _get(client, "/api/v1/standards", secret).get_json()
    assert "TST" in {s["code"] for s in standards["items"]}
    code = world.cycle.edition.code
    edition = _get(client, f"/api/v1/standards/TST/editions/{code}", secret).get_json()
    criteria = {c["code"]: c for s in edition["sections"] for c in s["criteria"]}
    assert criteria["1.1"]["scoring"]["method"] == "level"
    assert criteria["1.2"]["scoring"]["items"][0]["code"] == "a"
    assert [level["code"] for level in edition["result_levels"]] == ["pass", "good",
                                                                      "excellent"]


def test_cycles_filter_by_fiscal_year_and_standard(client, world):
    secret = token_for(make_user(Role.LGO_EDITOR, lgo=world.lgo_a))
    found = _get(client, f"/api/v1/cycles?fiscal_year={FISCAL_YEAR}&standard=TST",
                 secret).get_json()
    assert [c["id"] for c in found["items"]] == [world.cycle.id]
    assert _get(client, "/api/v1/cycles?fiscal_year=2600", secret).get_json()["total"] == 0
    one = _get(client, f"/api/v1/cycles/{world.cycle.id}", secret).get_json()
    assert one["fiscal_year"] == FISCAL_YEAR


# -- Scope --------------------------------------------------------------------------------------

def _listed(client, secret) -> set[int]:
    return {a["id"] for a in _get(client, "/api/v1/assessments?per_page=100",
                                  secret).get_json()["items"]}


def test_each_token_sees_the_assessments_of_its_users_scope(client, world):
    mine = {world.assessment_a.id, world.assessment_b.id}
    lgo_a = token_for(make_user(Role.LGO_EDITOR, lgo=world.lgo_a))
    officer_b = token_for(make_user(Role.PROVINCIAL_OFFICER, province=world.province_b))
    dla = token_for(make_user(Role.DLA_APPROVER))
    assessor = token_for(make_user(Role.ASSESSOR))
    assert _listed(client, lgo_a) & mine == {world.assessment_a.id}
    assert _listed(client, officer_b) & mine == {world.assessment_b.id}
    assert _listed(client, dla) >= mine
    assert not _listed(client, assessor) & mine


def test_a_token_of_lgo_a_can_neither_read_nor_write_lgo_b(client, world):
    secret = token_for(make_user(Role.LGO_EXECUTIVE, lgo=world.lgo_a))
    other = world.assessment_b
    assert _get(client, f"/api/v1/assessments/{other.id}", secret).status_code == 403
    assert _put_answer(client, secret, other, "1.1",
                       {"version": None, "level": 2}).status_code == 403
    item = make_evidence_item(world.lgo_b, fiscal_year=FISCAL_YEAR)
    linked = client.post(f"/api/v1/assessments/{other.id}/responses/1.1/evidence",
                         json={"evidence_id": item.id}, headers=bearer(secret))
    assert linked.status_code == 403
    assert other.response_for("1.1") is None and not other.evidence_links
    officer = token_for(make_user(Role.PROVINCIAL_OFFICER, province=world.province_a))
    assert _get(client, f"/api/v1/assessments/{other.id}", officer).status_code == 403
    assert _get(client, f"/api/v1/assessments/{world.assessment_a.id}",
                officer).status_code == 200
    assert _get(client, "/api/v1/assessments/999999", secret).status_code == 404


def test_only_the_lgo_staff_write_answers(client, world):
    officer = token_for(make_user(Role.PROVINCIAL_OFFICER, province=world.province_a))
    response = _put_answer(client, officer, world.assessment_a, "1.1",
                           {"version": None, "level": 2})
    assert response.status_code == 403


# -- Writing answers ----------------------------------------------------------------------------

def test_an_answer_is_saved_and_a_stale_version_gets_409_with_the_stored_one(client, world):
    editor = make_user(Role.LGO_EDITOR, lgo=world.lgo_a)
    secret = token_for(editor)
    first = _put_answer(client, secret, world.assessment_a, "1.1",
                        {"version": None, "level": 2, "narrative": "ครั้งแรก"})
    assert first.status_code == 200, first.get_json()
    version = first.get_json()["version"]
    second = _put_answer(client, secret, world.assessment_a, "1.1",
                         {"version": version, "level": 3})
    assert second.status_code == 200
    assert second.get_json()["narrative"] == "ครั้งแรก"      # a field left out is kept
    stale = _put_answer(client, secret, world.assessment_a, "1.1",
                        {"version": version, "level": 4})
    assert stale.status_code == 409
    assert stale.mimetype == PROBLEM
    current = stale.get_json()["current"]
    assert (current["version"], current["level"]) == (second.get_json()["version"], 3)
    also_stale = _put_answer(client, secret, world.assessment_a, "1.1",
                             {"version": None, "level": 4})
    assert also_stale.status_code == 409
    shown = _get(client, f"/api/v1/assessments/{world.assessment_a.id}", secret).get_json()
    assert [(r["criterion_code"], r["level"]) for r in shown["responses"]] == [("1.1", 3)]
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "response.saved", AuditEvent.actor_id == editor.id)).scalar() == 2


@pytest.mark.parametrize("body", [{"level": 2}, {"version": True, "level": 2},
                                  {"version": None, "level": 9},
                                  {"version": None, "level": "two"}, ["not", "an", "object"]])
def test_an_answer_that_does_not_fit_is_a_422(client, world, body):
    secret = token_for(make_user(Role.LGO_EDITOR, lgo=world.lgo_a))
    response = client.put(f"/api/v1/assessments/{world.assessment_a.id}/responses/1.1",
                          json=body, headers=bearer(secret))
    assert response.status_code == 422
    assert world.assessment_a.response_for("1.1") is None


def test_an_unknown_criterion_is_a_404(client, world):
    secret = token_for(make_user(Role.LGO_EDITOR, lgo=world.lgo_a))
    assert _put_answer(client, secret, world.assessment_a, "9.9",
                       {"version": None, "level": 1}).status_code == 404


def test_a_submitted_assessment_refuses_answers(client, world):
    secret = token_for(make_user(Role.LGO_EDITOR, lgo=world.lgo_a))
    executive = make_user(Role.LGO_EXECUTIVE, lgo=world.lgo_a)
    world.assessment_a.submitted_at, world.assessment_a.submitted_by_id = utcnow(), executive.id
    world.assessment_a.status = AssessmentStatus.SUBMITTED
    db.session.commit()
    assert _put_answer(client, secret, world.assessment_a, "1.1",
                       {"version": None, "level": 2}).status_code == 403


def test_evidence_is_cited_and_uncited(client, world):
    editor = make_user(Role.LGO_EDITOR, lgo=world.lgo_a)
    secret = token_for(editor)
    item = make_evidence_item(world.lgo_a, fiscal_year=FISCAL_YEAR, uploaded_by=editor)
    url = f"/api/v1/assessments/{world.assessment_a.id}/responses/1.1/evidence"
    linked = client.post(url, json={"evidence_id": item.id}, headers=bearer(secret))
    assert linked.status_code == 201
    assert linked.get_json()["evidence_id"] == item.id
    shown = _get(client, f"/api/v1/assessments/{world.assessment_a.id}", secret).get_json()
    assert [(l["criterion_code"], l["evidence_id"]) for l in shown["evidence_links"]] == [
        ("1.1", item.id)]
    other_year = make_evidence_item(world.lgo_a, fiscal_year=2569, uploaded_by=editor)
    assert client.post(url, json={"evidence_id": other_year.id},
                       headers=bearer(secret)).status_code == 403
    removed = client.delete(f"{url}/{item.id}", headers=bearer(secret))
    assert removed.status_code == 204
    assert client.delete(f"{url}/{item.id}", headers=bearer(secret)).status_code == 404
    shown = _get(client, f"/api/v1/assessments/{world.assessment_a.id}", secret).get_json()
    assert shown["evidence_links"] == []


# -- Scores -------------------------------------------------------------------------------------

def test_an_assigned_assessor_saves_and_reads_only_their_own_scores(client, app_ctx):
    from tests.factories_review import make_in_review
    setup = make_in_review(members=1)
    lead, member = setup.lead, setup.members[0]
    url = f"/api/v1/assessments/{setup.assessment.id}/scores"
    saved = client.put(f"{url}/1.1", json={"level": 3, "comment": "ครบ"},
                       headers=bearer(token_for(member)))
    assert saved.status_code == 200, saved.get_json()
    assert (saved.get_json()["level"], saved.get_json()["comment"]) == (3, "ครบ")
    assert client.put(f"{url}/1.1", json={"level": 42},
                      headers=bearer(token_for(member))).status_code == 422
    mine = _get(client, url, token_for(member)).get_json()
    assert [s["criterion_code"] for s in mine["items"]] == ["1.1"]
    assert _get(client, url, token_for(lead)).get_json()["items"] == []
    outsider = token_for(make_user(Role.ASSESSOR))
    assert client.put(f"{url}/1.1", json={"level": 3},
                      headers=bearer(outsider)).status_code == 403
    assert _get(client, f"/api/v1/assessments/{setup.assessment.id}",
                token_for(member)).status_code == 200


# -- Certificates -------------------------------------------------------------------------------

def test_a_certificate_reads_with_its_status_today(client, app_ctx):
    from tests.factories_certification import make_certificate
    certificate = make_certificate()
    secret = token_for(make_user(Role.LGO_EDITOR, lgo=certificate.lgo))
    body = _get(client, f"/api/v1/certificates/{certificate.serial}", secret).get_json()
    assert body["serial"] == certificate.serial
    assert body["status"] == certificate.status_on(today_bangkok()).value
    assert body["verify_url"].endswith(f"/v/{certificate.verification_token}")
    listed = _get(client, f"/api/v1/certificates?lgo={certificate.lgo.dla_code}",
                  secret).get_json()
    assert [c["serial"] for c in listed["items"]] == [certificate.serial]
    assert _get(client, "/api/v1/certificates/NOPE-1", secret).status_code == 404


# -- Errors in Thai or English ------------------------------------------------------------------

def test_errors_speak_thai_by_default_and_english_when_asked(client, app, monkeypatch):
    with app.app_context():
        cache = get_domain().get_translations_cache(None)     # this app's own cache
    monkeypatch.setitem(cache, ("th", "messages"), thai_catalog({
        "Not authenticated": "ยังไม่ได้ยืนยันตัวตน",
        "The token is unknown, revoked or expired.": "ไม่รู้จักโทเค็นนี้ "
                                                     "หรือถูกเพิกถอนหรือหมดอายุแล้ว"}))
    headers = {"Authorization": "Bearer lgoa_unknown"}
    thai = client.get("/api/v1/lgos", headers=headers)
    assert thai.headers["Content-Language"] == "th"
    assert thai.get_json()["title"] == "ยังไม่ได้ยืนยันตัวตน"
    assert thai.get_json()["detail"].startswith("ไม่รู้จักโทเค็นนี้")
    english = client.get("/api/v1/lgos", headers={**headers, "Accept-Language": "en-GB,en"})
    assert english.headers["Content-Language"] == "en"
    assert english.get_json()["title"] == "Not authenticated"
    other = client.get("/api/v1/lgos", headers={**headers, "Accept-Language": "de"})
    assert other.get_json()["title"] == "ยังไม่ได้ยืนยันตัวตน"


# -- Rate limit ---------------------------------------------------------------------------------

def test_a_token_past_its_budget_gets_429_with_retry_after(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 3)
    secret = token_for(make_user(Role.DLA_ADMIN))
    answers = [_get(client, "/api/v1/regions", secret) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers[:3]] == ["2", "1", "0"]
    refused = answers[-1]
    assert refused.mimetype == PROBLEM
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    other = token_for(make_user(Role.DLA_ADMIN))
    assert _get(client, "/api/v1/regions", other).status_code == 200   # per token, not global


def test_the_window_resets(app_ctx):
    from lgo_assess.api import services
    now = utcnow()
    for _ in range(3):
        state = services.count_request("token:test", limit=2, window_seconds=600, now=now)
    assert state.exceeded and state.count == 3
    later = services.window_start(now, 600) + timedelta(seconds=600)
    fresh = services.count_request("token:test", limit=2, window_seconds=600, now=later)
    assert (fresh.count, fresh.exceeded) == (1, False)
    from lgo_assess.api.models import ApiRateCounter
    windows = db.session.execute(db.select(ApiRateCounter.window_start).where(
        ApiRateCounter.key == "token:test")).scalars().all()
    assert windows == [later], "the older window was not cleared"


# -- KPIs ---------------------------------------------------------------------------------------

def test_a_kpi_figure_for_a_year_and_scope_with_the_rights_of_the_dashboards(client, app_ctx):
    from datetime import date

    from tests.factories import make_lgo, make_province
    from tests.factories_kpi import certify, make_kpi
    make_kpi("T-SHARE")
    province = make_province()
    certified, other = make_lgo(province=province), make_lgo(province=province)
    certify(certified, date(2026, 3, 1))
    dla = token_for(make_user(Role.DLA_APPROVER))
    catalogue = _get(client, "/api/v1/kpis", dla).get_json()
    assert "T-SHARE" in {k["id"] for k in catalogue["items"]}
    scope = f"province:{province.code}"
    figure = _get(client, f"/api/v1/kpis/T-SHARE?fiscal_year=2569&scope={scope}",
                  dla).get_json()
    assert (figure["numerator"], figure["denominator"]) == (1, 2)
    assert figure["value"] == pytest.approx(50.0)
    assert figure["scope"] == scope and figure["kpi"]["standard_code"] == "TST"
    officer = token_for(make_user(Role.PROVINCIAL_OFFICER, province=province))
    assert _get(client, f"/api/v1/kpis/T-SHARE?fiscal_year=2569&scope={scope}",
                officer).status_code == 200
    assert _get(client, "/api/v1/kpis/T-SHARE?fiscal_year=2569", officer).status_code == 403
    editor = token_for(make_user(Role.LGO_EDITOR, lgo=other))
    assert _get(client, f"/api/v1/kpis/T-SHARE?scope={scope}", editor).status_code == 403
    assert _get(client, "/api/v1/kpis/NO-SUCH", dla).status_code == 404
    assert _get(client, "/api/v1/kpis/T-SHARE?scope=planet:mars", dla).status_code == 422


def test_the_rate_limit_is_set_from_the_environment():
    from lgo_assess.config import Config
    assert (Config.API_RATE_LIMIT, Config.API_RATE_WINDOW) == (600, 600)
    values = Config.from_env({"API_RATE_LIMIT": "1200", "API_RATE_WINDOW": "60"})
    assert (values["API_RATE_LIMIT"], values["API_RATE_WINDOW"]) == (1200, 60)
