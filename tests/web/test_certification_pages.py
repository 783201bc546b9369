"""Certification pages: the approver's queue and decisions (a scorer is refused), revocation by
two approvers showing at once on the public page, the public verification page (noindex, no
personal data, rate-limited), the register's filters and CSV, the published keys and the PDF."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from lgo_assess.accounts import services as accounts
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification import queries, services
from lgo_assess.certification.models import Decision, RevocationRequest
from lgo_assess.certification.signing import load_public_pem, verify
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.criteria import services as criteria_services
from lgo_assess.criteria.loader import load_text
from tests.factories import make_lgo, make_province
from tests.factories_assessments import TST_EDITION, make_cycle
from tests.factories_certification import (app_context, ensure_signing_key, make_approver,
                                           make_certificate, make_recommended_assessment)


@pytest.fixture(autouse=True)
def signing_key(app):
    return ensure_signing_key()


@pytest.fixture
def public(app):
    """An anonymous visitor's client."""
    return app.test_client()


def _text(response) -> str:
    return response.get_data(as_text=True)


# -- The approver's pages ----------------------------------------------------------------------------

def test_the_queue_lists_recommendations_and_offers_bulk_approval_only_for_clean_ones(
        client, login):
    clean = make_recommended_assessment(name_th="อบต.สะอาดดี")
    flagged = make_recommended_assessment(level="excellent", computed="good",
                                          name_th="อบต.มีธงเตือน")
    db.session.commit()
    login(make_approver())
    page = _text(client.get("/certification/"))
    assert "อบต.สะอาดดี" in page and "อบต.มีธงเตือน" in page
    assert f'name="assessment_ids" value="{clean.id}"' in page
    assert f'name="assessment_ids" value="{flagged.id}"' not in page


def test_an_approver_approves_on_the_assessment_page_and_the_certificate_is_issued(
        client, login):
    assessment = make_recommended_assessment()
    db.session.commit()
    login(make_approver())
    page = client.get(f"/certification/assessments/{assessment.id}")
    assert page.status_code == 200 and 'name="outcome"' in _text(page)
    response = client.post(f"/certification/assessments/{assessment.id}/decide",
                           data={"outcome": "approved"})
    assert response.status_code == 302
    decision = db.session.execute(select(Decision).where(
        Decision.assessment_id == assessment.id)).scalar_one()
    assert response.location.endswith(f"/certification/decisions/{decision.id}")
    shown = _text(client.get(response.location))
    assert decision.reference in shown and decision.current_certificate.serial in shown


def test_a_rejection_without_a_reason_comes_back_with_the_error(client, login):
    assessment = make_recommended_assessment()
    db.session.commit()
    login(make_approver())
    response = client.post(f"/certification/assessments/{assessment.id}/decide",
                           data={"outcome": "rejected", "reason": " "})
    assert response.status_code == 422
    assert 'class="error"' in _text(response)
    db.session.refresh(assessment)
    assert assessment.status == AssessmentStatus.RECOMMENDED


def test_an_approver_who_scored_sees_why_and_is_refused(client, login):
    scorer = make_approver(locale="en")
    accounts.grant_role(scorer, Role.ASSESSOR)
    assessment = make_recommended_assessment(scorers=[scorer])
    db.session.commit()
    login(scorer)
    page = _text(client.get(f"/certification/assessments/{assessment.id}"))
    assert 'name="outcome"' not in page and "another DLA approver" in page
    response = client.post(f"/certification/assessments/{assessment.id}/decide",
                           data={"outcome": "approved"})
    assert response.status_code == 403
    db.session.refresh(assessment)
    assert assessment.status == AssessmentStatus.RECOMMENDED


def test_bulk_approval_from_the_queue(client, login):
    first, second = make_recommended_assessment(), make_recommended_assessment()
    db.session.commit()
    login(make_approver())
    response = client.post("/certification/approve", data={
        "assessment_ids": [first.id, second.id], "confirm": "y"})
    assert response.status_code == 302
    decided = db.session.execute(select(Decision)).scalars().all()
    assert {d.assessment_id for d in decided} == {first.id, second.id}
    assert all(d.is_bulk and d.current_certificate for d in decided)


def test_two_approvers_revoke_and_the_public_page_says_revoked_at_once(client, login, public):
    certificate = make_certificate()
    first, second = make_approver(), make_approver()
    db.session.commit()
    page = f"/v/{certificate.verification_token}"
    assert "verify-valid" in _text(public.get(page))

    login(first)
    asked = client.post(f"/certification/decisions/{certificate.decision_id}/revocation",
                        data={"reason": "พบการปลอมแปลงเอกสารหลักฐาน"})
    assert asked.status_code == 302
    request_id = db.session.execute(select(RevocationRequest.id).where(
        RevocationRequest.decision_id == certificate.decision_id)).scalar_one()
    own = client.post(f"/certification/revocations/{request_id}/confirm", data={"confirm": "y"})
    assert own.status_code == 403                       # the requester cannot confirm
    assert "verify-valid" in _text(public.get(page))

    login(second)
    confirmed = client.post(f"/certification/revocations/{request_id}/confirm",
                            data={"confirm": "y"})
    assert confirmed.status_code == 302
    shown = _text(public.get(page))
    assert "verify-revoked" in shown and "พบการปลอมแปลงเอกสารหลักฐาน" in shown


# -- The public verification page ----------------------------------------------------------------------

def test_the_verification_page_shows_the_facts_noindex_and_no_personal_data(public):
    approver = make_approver()
    certificate = make_certificate(approver=approver)
    lgo = certificate.decision.assessment.lgo
    db.session.commit()
    response = public.get(f"/v/{certificate.verification_token}")
    assert response.status_code == 200
    assert "noindex" in response.headers["X-Robots-Tag"]
    body = _text(response)
    assert '<meta name="robots" content="noindex, nofollow">' in body
    for expected in (lgo.name_th, lgo.name_en, certificate.serial, "15 กรกฎาคม 2569",
                     "15 กรกฎาคม 2572", "verify-valid", certificate.key_id):
        assert expected in body, expected
    assert approver.email not in body and approver.display_name not in body
    public.post("/language", data={"lang": "en", "next": "/"})
    assert "15 July 2572 BE" in _text(public.get(f"/v/{certificate.verification_token}"))


def test_an_expired_certificate_says_so(public):
    certificate = make_certificate(today=date(2022, 1, 10))      # valid until 10 Jan 2025
    db.session.commit()
    body = _text(public.get(f"/v/{certificate.verification_token}"))
    assert "verify-expired" in body and "10 มกราคม 2568" in body


def test_a_superseded_certificate_links_to_its_successor(public):
    old = make_certificate()
    with app_context():
        new = services.supersede_certificate(old, "แก้ชื่อ", actor=make_approver())
    body = _text(public.get(f"/v/{old.verification_token}"))
    assert "verify-superseded" in body
    assert f'href="/v/{new.verification_token}"' in body and new.serial in body


def test_unknown_tokens_serials_and_ids_are_not_found(public):
    certificate = make_certificate()
    db.session.commit()
    for guess in ("a" * 26, certificate.serial, str(certificate.id)):
        response = public.get(f"/v/{guess}")
        assert response.status_code == 404, guess
        assert "noindex" in response.headers.get("X-Robots-Tag", "")


def test_the_verification_pages_are_rate_limited_per_address(app, public, monkeypatch):
    certificate = make_certificate()
    db.session.commit()
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", 3)
    page = f"/v/{certificate.verification_token}"
    statuses = [public.get(page, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = public.get(page, environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.status_code == 200


def test_the_certificate_pdf_is_served_and_cached(app, public):
    certificate = make_certificate()
    db.session.commit()
    first = public.get(f"/v/{certificate.verification_token}/certificate.pdf?lang=th")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF")
    with app_context():
        cached = services.certificate_pdf_path(certificate, "th")
    stamp = cached.stat().st_mtime_ns
    again = public.get(f"/v/{certificate.verification_token}/certificate.pdf?lang=th")
    assert again.data == first.data and cached.stat().st_mtime_ns == stamp
    english = public.get(f"/v/{certificate.verification_token}/certificate.pdf?lang=en")
    assert english.data != first.data


# -- The published keys --------------------------------------------------------------------------------

def test_the_public_keys_are_published_and_verify_a_certificate(public, signing_key):
    certificate = make_certificate()
    db.session.commit()
    listed = public.get("/keys.json").get_json()["keys"]
    active = [k for k in listed if k["active"]]
    assert [k["kid"] for k in active] == [signing_key]
    pem = public.get(f"/keys/{certificate.key_id}.pem")
    assert pem.status_code == 200
    assert verify(services.signed_payload(certificate), load_public_pem(pem.data))
    assert public.get("/keys/0123456789abcdef.pem").status_code == 404
    assert public.get("/keys/..%2Factive.pem").status_code == 404


# -- The register ------------------------------------------------------------------------------------

def _other_standard_cycle():
    text = TST_EDITION.read_text(encoding="utf-8").replace("  code: TST", "  code: TSX", 1)
    loaded = load_text(text, "TSX/2569.yaml")
    assert not loaded.problems, loaded.problems
    edition = criteria_services.import_edition(loaded).edition
    criteria_services.publish_edition(edition)
    return make_cycle(edition)


@pytest.fixture
def register_rows():
    north, east = make_province("50", "เชียงใหม่", "Chiang Mai"), make_province("20", "ชลบุรี",
                                                                               "Chon Buri")
    good = make_certificate(lgo=make_lgo(province=north, name_th="อบต.ดอยดี"))
    excellent = make_certificate(level="excellent",
                                 lgo=make_lgo(province=east, name_th="อบต.ทะเลเด่น"))
    other = make_certificate(lgo=make_lgo(province=east, name_th="อบต.มาตรฐานอื่น"),
                             cycle=_other_standard_cycle())
    expired = make_certificate(lgo=make_lgo(province=north, name_th="อบต.หมดอายุ"),
                               today=date(2022, 1, 10))
    revoked = make_certificate(lgo=make_lgo(province=north, name_th="อบต.ถูกเพิกถอน"))
    with app_context():
        request = services.request_revocation(revoked.decision, "ทุจริต", actor=make_approver())
        services.confirm_revocation(request, actor=make_approver())
    return {"good": good, "excellent": excellent, "other": other, "expired": expired,
            "revoked": revoked}


def _listed(response) -> set[str]:
    return set(re.findall(r'<th scope="row"[^>]*><a href="/v/[a-z0-9]+">([^<]*)</a>',
                          _text(response)))


def test_the_register_lists_and_filters_certificates(public, register_rows):
    everything = {"อบต.ดอยดี", "อบต.ทะเลเด่น", "อบต.มาตรฐานอื่น", "อบต.หมดอายุ",
                  "อบต.ถูกเพิกถอน"}
    assert _listed(public.get("/register")) == everything
    assert _listed(public.get("/register?standard=TSX")) == {"อบต.มาตรฐานอื่น"}
    assert _listed(public.get("/register?province=20")) == {"อบต.ทะเลเด่น", "อบต.มาตรฐานอื่น"}
    assert _listed(public.get("/register?level=excellent")) == {"อบต.ทะเลเด่น"}
    assert _listed(public.get("/register?status=expired")) == {"อบต.หมดอายุ"}
    assert _listed(public.get("/register?status=revoked")) == {"อบต.ถูกเพิกถอน"}
    assert _listed(public.get("/register?status=valid")) == {
        "อบต.ดอยดี", "อบต.ทะเลเด่น", "อบต.มาตรฐานอื่น"}
    assert _listed(public.get("/register?q=ดอย")) == {"อบต.ดอยดี"}
    assert _listed(public.get("/register?fiscal_year=2569&province=50&status=valid")) == {
        "อบต.ดอยดี"}
    assert _listed(public.get("/register?fiscal_year=2570")) == everything  # not offered
    with app_context():
        corrected = services.supersede_certificate(register_rows["good"], "แก้",
                                                   actor=make_approver())
    page = _text(public.get("/register?q=ดอย"))
    assert corrected.serial in page and register_rows["good"].serial not in page


def test_the_register_pages(register_rows):
    filters = queries.RegisterFilters()
    first = queries.search_register(filters, today=date(2026, 8, 1), page=1, page_size=2)
    last = queries.search_register(filters, today=date(2026, 8, 1), page=9, page_size=2)
    assert (first.total, first.pages, len(first.rows)) == (5, 3, 2)
    assert (last.page, len(last.rows)) == (3, 1)
    shown = [c.serial for page in (1, 2, 3) for c, _s, _f in queries.search_register(
        filters, today=date(2026, 8, 1), page=page, page_size=2).rows]
    assert len(set(shown)) == 5


def test_the_csv_opens_in_excel_and_escapes_formulas(public):
    names = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+66 สาขา", "-1 อบต.", "@SUM(A1)",
             "อบต.ปกติ"]
    for name in names:
        make_certificate(lgo=make_lgo(name_th=name))
    db.session.commit()
    response = public.get("/register.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8").lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert len(header) == 14 and len(body) == 5
    lgo_column = [row[2] for row in body]
    assert set(lgo_column) == {"'" + name for name in names[:4]} | {"อบต.ปกติ"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    filtered = public.get("/register.csv?q=ปกติ").data.decode("utf-8")
    assert filtered.count("\r\n") == 2


def test_the_register_offers_only_values_some_certificate_has(public, register_rows):
    page = _text(public.get("/register"))
    assert '<option value="TSX">' in page and '<option value="20">' in page
    assert '<option value="2569">' in page and '<option value="pass">' not in page


def test_the_verification_pages_take_the_sqlite_write_lock_when_they_begin(app):
    """They count hits (a write in a GET): on SQLite their transaction begins IMMEDIATE, as a
    POST's does, so a verification never fails with "database is locked" when a writer
    committed between its first read and its count. Other GET pages begin without it."""
    from lgo_assess.core.db import _request_may_write
    with app.test_request_context("/v/some-token", method="GET"):
        assert _request_may_write()
    with app.test_request_context("/v/some-token/certificate.pdf", method="GET"):
        assert _request_may_write()
    with app.test_request_context("/register", method="GET"):
        from flask import request
        assert request.endpoint == "certification.register"
        assert not _request_may_write()
    with app.test_request_context("/login", method="POST"):
        assert _request_may_write()
