"""Certification pages: the approver's queue and decision pages, revocation by two approvers,
corrections; and the public side: ``/v/<token>`` (the QR code's target), the register of
certified LGOs (``/register``, with CSV) and the published signing keys (``/keys``)."""
from __future__ import annotations

import base64
from datetime import date

from cryptography.hazmat.primitives import serialization
from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect,
                   render_template, request, send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from lgo_assess.assessments import services as assessments
from lgo_assess.certification import policies, queries, review_adapter, services, throttle
from lgo_assess.certification.export import csv_bytes
from lgo_assess.certification.forms import (BulkApprovalForm, CancelRevocationForm,
                                             ConfirmRevocationForm, CorrectionForm, DecisionForm,
                                             RegisterSearchForm, RevocationRequestForm)
from lgo_assess.certification.models import DecisionOutcome
from lgo_assess.certification.signing import is_key_id
from lgo_assess.core.db import db, writes_on_read
from lgo_assess.core.i18n import current_language, localized
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, public, require
from lgo_assess.core.thaidate import format_date, today_bangkok

bp = Blueprint("certification", __name__, template_folder="templates")

# Translators: the public register of LGOs holding a certificate.
add_nav_entry(_l("Certified LGOs"), "certification.register", order=40)
add_nav_entry(_l("Certification"), "certification.queue", order=60,
              permission=Permission.DECIDE_CERTIFICATION)

NOINDEX_ENDPOINTS = frozenset({"certification.verify", "certification.verify_pdf"})


def _me():
    return current_user._get_current_object()


@bp.app_template_filter("iso_be_date")
def iso_be_date(iso: str | None) -> str:
    """An ISO date of a certificate's facts, shown the Thai way (B.E.)."""
    return format_date(date.fromisoformat(iso), current_language()) if iso else ""


@bp.after_request
def keep_verification_pages_out_of_search_engines(response):
    if request.endpoint in NOINDEX_ENDPOINTS:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- The approver's queue -------------------------------------------------------------------------

@bp.get("/certification/")
@require(Permission.DECIDE_CERTIFICATION)
def queue():
    rows = []
    queue = queries.recommended_queue()
    facts = review_adapter.queue_facts(queue)
    for assessment in queue:
        row = facts[assessment.id]
        rows.append((assessment, assessments.edition_of(assessment), row.recommended, row.flags,
                     policies.scored(_me(), assessment, row.scorers)))
    return render_template("certification/queue.html", rows=rows, form=BulkApprovalForm(),
                           pending=queries.pending_revocations())


@bp.post("/certification/approve")
@require(Permission.DECIDE_CERTIFICATION)
def bulk_approve():
    form = BulkApprovalForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("certification.queue"))
    result = services.approve_many(queries.assessments_by_ids(form.assessment_ids.data),
                                   actor=_me())
    db.session.commit()
    if result.decided:
        flash(ngettext("%(num)d recommendation approved.", "%(num)d recommendations approved.",
                       len(result.decided)), "success")
    for assessment, why in result.skipped:
        flash(_("%(lgo)s was not approved: %(why)s", lgo=localized(assessment.lgo), why=why),
              "error")
    return redirect(url_for("certification.queue"))


def _assessment_page(assessment, *, form=None, status=200):
    recommended = review_adapter.recommendation_of(assessment)
    flags = review_adapter.flags_of(assessment, recommended)
    me = _me()
    decision = queries.decision_of(assessment)
    refusal = None
    if decision is None and not policies.can_decide(me, assessment):
        if policies.scored(me, assessment):
            refusal = _("You scored this assessment, so another DLA approver must decide it.")
        else:
            refusal = _("This assessment is %(status)s: it is not waiting for a decision.",
                        status=assessment.status.title)
    return render_template(
        "certification/assessment.html", assessment=assessment,
        edition=assessments.edition_of(assessment), recommended=recommended, flags=flags,
        divergent={f.criterion_code for f in flags if f.kind == "divergence"},
        card=review_adapter.final_score_card(assessment),
        evidence=review_adapter.evidence_of(assessment), decision=decision, refusal=refusal,
        form=form or DecisionForm(), has_key=services.has_signing_key()), status


@bp.get("/certification/assessments/<int:assessment_id>")
@require(Permission.DECIDE_CERTIFICATION)
def show_assessment(assessment_id: int):
    return _assessment_page(queries.get_assessment(assessment_id))


@bp.post("/certification/assessments/<int:assessment_id>/decide")
@require(Permission.DECIDE_CERTIFICATION)
def decide(assessment_id: int):
    assessment = queries.get_assessment(assessment_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _assessment_page(assessment, form=form, status=422)
    outcome = DecisionOutcome(form.outcome.data)
    decision = services.decide(assessment, outcome, reason=form.reason.data, actor=_me())
    db.session.commit()
    if outcome == DecisionOutcome.REJECTED:
        flash(_("Rejected. Decision %(ref)s is recorded.", ref=decision.reference), "success")
    elif decision.current_certificate is not None:
        flash(_("Approved. Decision %(ref)s; certificate %(serial)s is issued.",
                ref=decision.reference, serial=decision.current_certificate.serial), "success")
    else:
        flash(_("Approved (decision %(ref)s), but no signing key is active: the certificate "
                "will be issued by `flask certificates issue`.", ref=decision.reference),
              "error")
    return redirect(url_for("certification.show_decision", decision_id=decision.id))


# -- Decisions, revocation and corrections --------------------------------------------------------

@bp.get("/certification/decisions")
@require(Permission.DECIDE_CERTIFICATION)
def decisions():
    return render_template("certification/decisions.html",
                           decisions=queries.recent_decisions(),
                           pending=queries.pending_revocations())


def _level_choices(decision):
    edition = assessments.edition_of(decision.assessment)
    language = current_language()
    return [(level.code, level.label.get(language)) for level in edition.result.levels]


def _decision_page(decision, *, revoke_form=None, confirm_form=None, correct_form=None,
                   status=200):
    me = _me()
    certificate = decision.current_certificate
    correct_form = correct_form or CorrectionForm(levels=_level_choices(decision))
    if certificate is not None and correct_form.level.data is None:
        correct_form.level.data = certificate.result_level_code
    return render_template(
        "certification/decision.html", decision=decision, certificate=certificate,
        verification=services.verify_certificate(certificate) if certificate else None,
        pending=decision.pending_revocation,
        can_request=policies.can_request_revocation(me, decision),
        can_confirm=bool(decision.pending_revocation) and policies.can_confirm_revocation(
            me, decision.pending_revocation),
        can_correct=certificate is not None and policies.can_correct(me, certificate),
        revoke_form=revoke_form or RevocationRequestForm(),
        confirm_form=confirm_form or ConfirmRevocationForm(),
        cancel_form=CancelRevocationForm(), correct_form=correct_form,
        edition=assessments.edition_of(decision.assessment)), status


@bp.get("/certification/decisions/<int:decision_id>")
@require(Permission.DECIDE_CERTIFICATION)
def show_decision(decision_id: int):
    return _decision_page(queries.get_decision(decision_id))


@bp.post("/certification/decisions/<int:decision_id>/revocation")
@require(Permission.REVOKE_CERTIFICATE)
def request_revocation(decision_id: int):
    decision = queries.get_decision(decision_id)
    form = RevocationRequestForm()
    if not form.validate_on_submit():
        return _decision_page(decision, revoke_form=form, status=422)
    services.request_revocation(decision, form.reason.data, actor=_me())
    db.session.commit()
    flash(_("Revocation requested. A second DLA approver must confirm it."), "success")
    return redirect(url_for("certification.show_decision", decision_id=decision.id))


@bp.post("/certification/revocations/<int:request_id>/confirm")
@require(Permission.REVOKE_CERTIFICATE)
def confirm_revocation(request_id: int):
    revocation = queries.get_revocation_request(request_id)
    form = ConfirmRevocationForm()
    if not form.validate_on_submit():
        return _decision_page(revocation.decision, confirm_form=form, status=422)
    certificate = services.confirm_revocation(revocation, actor=_me())
    db.session.commit()
    if certificate is not None:
        flash(_("Revoked. Certificate %(serial)s now shows as revoked on its public page.",
                serial=certificate.serial), "success")
    else:
        flash(_("Revoked."), "success")
    return redirect(url_for("certification.show_decision", decision_id=revocation.decision_id))


@bp.post("/certification/revocations/<int:request_id>/cancel")
@require(Permission.REVOKE_CERTIFICATE)
def cancel_revocation(request_id: int):
    revocation = queries.get_revocation_request(request_id)
    form = CancelRevocationForm()
    if not form.validate_on_submit():
        return _decision_page(revocation.decision, status=422)
    services.cancel_revocation(revocation, actor=_me())
    db.session.commit()
    flash(_("The revocation request is cancelled; the approval stands."), "success")
    return redirect(url_for("certification.show_decision", decision_id=revocation.decision_id))


@bp.post("/certification/certificates/<int:certificate_id>/correct")
@require(Permission.DECIDE_CERTIFICATION)
def correct_certificate(certificate_id: int):
    certificate = queries.get_certificate(certificate_id)
    decision = certificate.decision
    form = CorrectionForm(levels=_level_choices(decision))
    if not form.validate_on_submit():
        return _decision_page(decision, correct_form=form, status=422)
    new = services.supersede_certificate(certificate, form.reason.data, actor=_me(),
                                         level_code=form.level.data or None)
    db.session.commit()
    flash(_("Certificate %(new)s replaces %(old)s.", new=new.serial, old=certificate.serial),
          "success")
    return redirect(url_for("certification.show_decision", decision_id=decision.id))


# -- Public: verification -------------------------------------------------------------------------

def _rate_limit() -> None:
    """A per-address limit on the verification pages (429 beyond it)."""
    allowed = throttle.allow_hit(request.remote_addr,
                                 limit=current_app.config["VERIFY_RATE_LIMIT"],
                                 window_seconds=current_app.config["VERIFY_RATE_WINDOW"])
    db.session.commit()
    if not allowed:
        abort(429)


@bp.get("/v/<token>")
@writes_on_read
@public
def verify(token: str):
    _rate_limit()
    certificate = queries.certificate_by_token(token)
    verification = services.verify_certificate(certificate)
    return render_template("certification/verify.html", v=verification,
                           facts=verification.facts)


@bp.get("/v/<token>/certificate.pdf")
@writes_on_read
@public
def verify_pdf(token: str):
    _rate_limit()
    certificate = queries.certificate_by_token(token)
    language = request.args.get("lang") if request.args.get("lang") in ("th", "en") \
        else current_language()
    path = services.certificate_pdf_path(certificate, language)
    return send_file(path, mimetype="application/pdf", as_attachment=False,
                     download_name=f"{certificate.serial}-{language}.pdf")


# -- Public: the register -------------------------------------------------------------------------

def _register_filters():
    options = queries.register_options()
    form = RegisterSearchForm(request.args, options=options, localize=localized,
                              language=current_language())
    form.validate()

    def value(field) -> str:
        return "" if field.errors or not field.data else str(field.data)

    filters = queries.RegisterFilters(
        text=value(form.q), standard=value(form.standard),
        fiscal_year=int(value(form.fiscal_year)) if value(form.fiscal_year).isdigit() else None,
        province=value(form.province), level=value(form.level), status=value(form.status))
    arguments = {name: value(getattr(form, name))
                 for name in ("q", "standard", "fiscal_year", "province", "level", "status")}
    return form, filters, {name: v for name, v in arguments.items() if v}


@bp.get("/register")
@public
def register():
    form, filters, arguments = _register_filters()
    result = queries.search_register(filters, today=today_bangkok(),
                                     page=request.args.get("page", 1, type=int))
    return render_template("certification/register.html", form=form, result=result,
                           arguments=arguments)


@bp.get("/register.csv")
@public
def register_csv():
    _form, filters, _arguments = _register_filters()
    english = current_language() == "en"
    header = [_("Serial"), _("DLA code"), _("LGO"), _("LGO (English)"), _("Province"),
              _("Standard"), _("Edition"), _("Fiscal year"), _("Result level"),
              _("Issued on"), _("Valid until"), _("Status"), _("Verification page"),
              _("Record")]
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    rows = []
    for certificate, status, facts in queries.register_export(filters, today=today_bangkok()):
        rows.append([
            certificate.serial, facts["lgo_code"], facts["lgo_name_th"], facts["lgo_name_en"],
            localized(certificate.lgo.province), facts["standard_code"], facts["edition"],
            facts["fiscal_year"], facts["level_en"] if english else facts["level_th"],
            facts["issued_on"], facts["valid_until"], status.title,
            f"{base}/v/{certificate.verification_token}",
            _("historical (imported)") if certificate.is_historical else _("issued here")])
    return Response(csv_bytes(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition":
                             'attachment; filename="certified-lgos.csv"'})


# -- Public: the signing keys ---------------------------------------------------------------------

@bp.get("/keys.json")
@public
def keys_json():
    keys = services.key_directory()
    active = keys.active_kid()
    listed = []
    for kid, key in keys.public_keys().items():
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        listed.append({"kid": kid, "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA",
                       "x": base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="),
                       "active": kid == active,
                       "pem": url_for("certification.public_key", kid=kid, _external=False)})
    return jsonify({"keys": listed})


@bp.get("/keys/<kid>.pem")
@public
def public_key(kid: str):
    pem = services.key_directory().public_key_pem(kid) if is_key_id(kid) else None
    if pem is None:
        abort(404)
    return Response(pem, mimetype="application/x-pem-file")
