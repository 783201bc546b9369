"""The review pages: the officer's screening queue and team assignment, the assessor's score
sheet, the lead's consensus, evidence requests, site visits and recommendation, the LGO's view
of what is asked of it, and DLA's calibration and review settings.

Every page loads its assessment and checks the user's scope (``_load``): a user outside it gets
403. Views stay thin: load → authorize → validate → one service call → commit → redirect.
"""
from __future__ import annotations

import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from lgo_assess.accounts.models import User
from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.assessments.scoring import Answer
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError, Forbidden, NotFound
from lgo_assess.core.i18n import current_language
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, Role, require
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.criteria.edition import (EffectiveCriterion, ScoringChecklist, ScoringLevel,
                                         ScoringNumeric)
from lgo_assess.review import calibration as calibration_rules
from lgo_assess.review import comparison as compare
from lgo_assess.review import pdf, policies, queries, services
from lgo_assess.review.forms import (AddAssessorForm, BulkAcceptForm, ConfirmForm,
                                     EndAssignmentForm, EvidenceRequestForm, FindingsForm,
                                     RecommendationForm, ReturnForm, SettingsForm, TeamForm,
                                     VisitForm, VisitPhotosForm, parse_answer, parse_ids,
                                     parse_text)
from lgo_assess.review.models import (AssignmentRole, EvidenceRequestStatus,
                                      RecommendationOutcome, SiteVisitStatus)

bp = Blueprint("review", __name__, url_prefix="/review", template_folder="templates")

add_nav_entry(_l("Screening"), "review.queue", order=40,
              permission=Permission.SCREEN_ASSESSMENT)
add_nav_entry(_l("My reviews"), "review.mine", order=41, permission=Permission.SCORE_ASSESSMENT)
add_nav_entry(_l("Evidence requests"), "review.lgo_index", order=31,
              permission=Permission.EDIT_ASSESSMENT)
add_nav_entry(_l("Assessor calibration"), "review.calibration_index", order=72,
              permission=Permission.DECIDE_CERTIFICATION)

S = AssessmentStatus
# Who may open the review pages of an assessment (scope is checked per assessment).
REVIEW_VIEWERS = (Permission.SCREEN_ASSESSMENT, Permission.SCORE_ASSESSMENT,
                  Permission.DECIDE_CERTIFICATION)
DLA_VIEWERS = (Permission.DECIDE_CERTIFICATION, Permission.MANAGE_USERS)
SHEET = "score-"          # prefix of the independent score sheet's inputs
AGREED = "agreed-"        # prefix of the consensus inputs
FOUND = "found-"          # prefix of the findings inputs


def _me():
    return current_user._get_current_object()


def _load(assessment_id: int, check=policies.can_view_review) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound()
    if not check(_me(), assessment):
        raise Forbidden()
    return assessment


def _back(assessment: Assessment, endpoint: str = "review.show", **values):
    return redirect(url_for(endpoint, assessment_id=assessment.id, **values))


def _fail(error: DomainError) -> None:
    db.session.rollback()
    flash(str(error.message), "error")


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# -- Showing answers ----------------------------------------------------------------------------

@bp.app_template_filter("review_answer")
def describe_answer(answer: Answer | None, effective: EffectiveCriterion) -> str:
    """An answer in words: ``3 · Established``, ``a, b of 3``, ``85 percent``, ``Yes``."""
    if answer is None:
        return "—"
    if answer.not_applicable:
        return _("Not applicable")
    language = current_language()
    scoring = effective.scoring
    if isinstance(scoring, ScoringLevel) and answer.level is not None:
        level = scoring.scale.level(answer.level)
        return f"{answer.level} · {level.label.get(language)}" if level else str(answer.level)
    if isinstance(scoring, ScoringChecklist) and answer.checked is not None:
        return _("%(items)s (%(n)s of %(total)s)", items=", ".join(sorted(answer.checked)) or "—",
                 n=len(answer.checked), total=len(scoring.items))
    if isinstance(scoring, ScoringNumeric) and answer.value is not None:
        value = int(answer.value) if float(answer.value).is_integer() else answer.value
        return f"{value} {scoring.unit.get(language)}"
    if answer.yes is not None:
        return _("Yes") if answer.yes else _("No")
    return "—"


@bp.app_template_filter("review_text")
def text_in_language(text) -> str:
    return text.get(current_language()) if text is not None else ""


# -- The officer: screening ---------------------------------------------------------------------

@bp.get("/screening")
@require(Permission.SCREEN_ASSESSMENT)
def queue():
    me = _me()
    groups = [(statuses, queries.province_assessments(me, statuses, with_answers=index == 0))
              for index, statuses in enumerate(queries.QUEUE_GROUPS)]
    submitted = [queries.queue_row(a) for a in groups[0][1]]
    return render_template("review/queue.html", submitted=submitted, groups=groups[1:],
                           form=BulkAcceptForm(), today=today_bangkok())


@bp.post("/screening/accept")
@require(Permission.SCREEN_ASSESSMENT)
def bulk_accept():
    form = BulkAcceptForm()
    if not form.validate_on_submit():
        flash(_form_errors(form) or _("Tick the assessments to accept."), "error")
        return redirect(url_for("review.queue"))
    chosen = [a for a in (db.session.get(Assessment, i) for i in form.assessment_ids.data) if a]
    outcome = services.accept_many(chosen, actor=_me())
    db.session.commit()
    if outcome.accepted:
        flash(ngettext("%(num)d assessment accepted for review.",
                       "%(num)d assessments accepted for review.", len(outcome.accepted)),
              "success")
    for assessment, why in outcome.refused:
        flash(_("%(lgo)s: %(why)s", lgo=assessment.lgo.name_th, why=why), "error")
    return redirect(url_for("review.queue"))


@bp.post("/<int:assessment_id>/accept")
@require(Permission.SCREEN_ASSESSMENT)
def accept(assessment_id: int):
    assessment = _load(assessment_id, policies.can_screen)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.accept(assessment, actor=_me())
    db.session.commit()
    flash(_("Accepted for review. Now assign the review team."), "success")
    return _back(assessment, "review.team")


@bp.post("/<int:assessment_id>/return")
@require(Permission.SCREEN_ASSESSMENT)
def return_assessment(assessment_id: int):
    assessment = _load(assessment_id, policies.can_screen)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(assessment)
    services.return_to_lgo(assessment, form.reason.data, actor=_me())
    db.session.commit()
    flash(_("Returned to the LGO with your reason."), "success")
    return redirect(url_for("review.queue"))


# -- The officer: the team ----------------------------------------------------------------------

def _assessor_choices(candidates) -> list[tuple[int, str]]:
    return [SelectChoice(c.assessor.id, c.assessor.display_name)
            for c in candidates if c.available]


@bp.route("/<int:assessment_id>/team", methods=["GET", "POST"])
@require(Permission.ASSIGN_ASSESSORS)
def team(assessment_id: int):
    assessment = _load(assessment_id, policies.can_assign)
    candidates = services.suggest_assessors(assessment)
    choices = _assessor_choices(candidates)
    form, add_form = TeamForm(), AddAssessorForm()
    form.lead.choices = [SelectChoice(-1, _("Choose…"))] + choices
    form.members.choices = choices
    add_form.assessor.choices = [SelectChoice(-1, _("Choose…"))] + choices
    status = 200
    if request.method == "POST":
        use_add = assessment.status != S.ACCEPTED
        active = add_form if use_add else form
        if active.validate_on_submit():
            people = {u.id: u for u in services.assessors()}
            try:
                if use_add:
                    user = people.get(add_form.assessor.data)
                    if user is None:
                        raise NotFound(_l("Choose an assessor."))
                    services.add_assessor(assessment, user, AssignmentRole(add_form.role.data),
                                          actor=_me())
                else:
                    lead = people.get(form.lead.data)
                    if lead is None:
                        raise NotFound(_l("Choose the lead assessor."))
                    members = [people[i] for i in form.members.data if i in people]
                    services.assign_team(assessment, lead, members, actor=_me())
            except DomainError as error:
                db.session.rollback()
                flash(str(error.message), "error")
                status = error.status
            else:
                db.session.commit()
                flash(_("The team is assigned."), "success")
                return _back(assessment, "review.team")
        else:
            status = 422
    return render_template(
        "review/team.html", assessment=assessment, candidates=candidates, form=form,
        add_form=add_form, end_form=EndAssignmentForm(),
        team=services.team_of(assessment, include_ended=True),
        settings=services.settings_for(assessment.cycle)), status


@bp.post("/<int:assessment_id>/team/end")
@require(Permission.ASSIGN_ASSESSORS, Permission.SCORE_ASSESSMENT)
def end_assignment(assessment_id: int):
    assessment = _load(assessment_id)
    form = EndAssignmentForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(assessment)
    assignment = next((a for a in services.team_of(assessment)
                       if str(a.id) == form.assignment_id.data), None)
    if assignment is None:
        raise NotFound()
    services.end_assignment(assignment, form.reason.data, actor=_me())
    db.session.commit()
    flash(_("The assignment has ended."), "success")
    if policies.can_view_review(_me(), assessment):
        return _back(assessment)
    return redirect(url_for("review.mine"))


@bp.get("/assessors")
@require(Permission.ASSIGN_ASSESSORS)
def workload():
    return render_template("review/workload.html", workloads=services.workloads(),
                           today=today_bangkok(),
                           my_provinces=_me().province_ids_with(Role.PROVINCIAL_OFFICER))


# -- One review ---------------------------------------------------------------------------------

@bp.get("/<int:assessment_id>")
@require(*REVIEW_VIEWERS)
def show(assessment_id: int):
    assessment = _load(assessment_id)
    me = _me()
    card = services.final_score(assessment)
    effective = {e.code: e for e in services.applicable_criteria(assessment)}
    return render_template(
        "review/show.html", assessment=assessment, me=me,
        team=services.team_of(assessment, include_ended=True),
        my_assignment=policies.active_assignment(me, assessment),
        is_lead=policies.is_lead(me, assessment), can_screen=policies.can_screen(me, assessment),
        row=queries.queue_row(assessment), return_form=ReturnForm(), confirm_form=ConfirmForm(),
        end_form=EndAssignmentForm(), request_form=_request_form(assessment),
        visit_form=_visit_form(assessment), requests=services.requests_of(assessment),
        visits=services.visits_of(assessment), card=card, effective=effective,
        missing_consensus=services.missing_consensus(assessment),
        recommendation=services.recommendation_of(assessment),
        return_reason=services.return_reason(assessment), today=today_bangkok(),
        user_names=_names(assessment))


def _names(assessment: Assessment) -> dict[int, str]:
    return {a.assessor_id: a.assessor.display_name
            for a in services.team_of(assessment, include_ended=True)}


# -- Independent scores -------------------------------------------------------------------------

def _score_inputs(assessment: Assessment, prefix: str, with_evidence: bool):
    """ScoreInputs read from the form for every criterion where something was given, and the
    errors of those that could not be read."""
    scores, errors = {}, []
    for effective in services.applicable_criteria(assessment):
        answer, error = parse_answer(effective, request.form, prefix)
        if error:
            errors.append(error)
        if answer is None:
            continue
        scores[effective.code] = services.ScoreInput(
            answer, parse_text(request.form, prefix, effective.code, "comment"),
            bool(with_evidence and request.form.get(f"{prefix}{effective.code}-evidence")))
    return scores, errors


@bp.route("/<int:assessment_id>/scores", methods=["GET", "POST"])
@require(Permission.SCORE_ASSESSMENT)
def scores(assessment_id: int):
    assessment = _load(assessment_id, policies.can_score)
    me = _me()
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        given, errors = _score_inputs(assessment, SHEET, with_evidence=True)
        if errors:
            flash(" ".join(errors), "error")
        else:
            try:
                services.save_scores(assessment, given, actor=me)
                if request.form.get("action") == "submit":
                    services.submit_scoring(assessment, actor=me)
            except DomainError as error:
                db.session.rollback()
                flash(str(error.message), "error")
                return _render_scores(assessment, form, error.status)
            db.session.commit()
            if request.form.get("action") == "submit":
                flash(_("Your scores are submitted. You now see the team's scores."), "success")
                return _back(assessment, "review.consensus")
            flash(_("Your scores are saved as a draft."), "success")
            return _back(assessment, "review.scores")
        return _render_scores(assessment, form, 422)
    return _render_scores(assessment, form)


def _render_scores(assessment: Assessment, form, status: int = 200):
    me = _me()
    assignment = policies.active_assignment(me, assessment)
    mine = services.own_scores(assessment, me)
    answers = assessments.answers_of(assessment)
    links = {}
    for link in getattr(assessment, "evidence_links", None) or ():
        if not link.item.is_deleted:
            links.setdefault(link.criterion_code, []).append(link.item)
    rows = [(e, answers.get(e.code), assessment.response_for(e.code), mine.get(e.code),
             links.get(e.code, [])) for e in services.applicable_criteria(assessment)]
    return render_template(
        "review/scores.html", assessment=assessment, rows=rows, form=form, prefix=SHEET,
        assignment=assignment, frozen=assignment.has_submitted
        or assessment.status not in policies.REVIEW_STATES,
        own_answer=services.row_answer, item_url=_item_url), status


def _item_url(item) -> str | None:
    """The page of an evidence item (or item id), when the evidence package is installed."""
    if "evidence.show_item" not in current_app.view_functions:
        return None
    return url_for("evidence.show_item", evidence_id=getattr(item, "id", item))


# -- Consensus ----------------------------------------------------------------------------------

@bp.route("/<int:assessment_id>/consensus", methods=["GET", "POST"])
@require(Permission.SCORE_ASSESSMENT, Permission.DECIDE_CERTIFICATION)
def consensus(assessment_id: int):
    assessment = _load(assessment_id, policies.can_view_scores_page)
    me = _me()
    form = ConfirmForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        given, errors = _score_inputs(assessment, AGREED, with_evidence=False)
        if errors:
            flash(" ".join(errors), "error")
            status = 422
        else:
            try:
                services.record_consensus(assessment, given, actor=me)
            except DomainError as error:
                _fail(error)
                status = error.status
            else:
                db.session.commit()
                flash(_("The consensus is saved."), "success")
                return _back(assessment, "review.consensus")
    rows = None
    if policies.can_see_team_scores(me, assessment):
        rows = services.comparison(assessment, viewer=me)
    team = [a for a in services.team_of(assessment, include_ended=True) if a.has_submitted]
    return render_template(
        "review/consensus.html", assessment=assessment, rows=rows, form=form, prefix=AGREED,
        team=team, is_lead=policies.is_lead(me, assessment),
        is_member=policies.is_team_member(me, assessment),
        editable=policies.is_lead(me, assessment)
        and assessment.status in policies.REVIEW_STATES,
        card=services.final_score(assessment), own_answer=services.row_answer,
        divergence_levels=compare.DIVERGENCE_LEVELS,
        divergence_fraction=compare.DIVERGENCE_FRACTION), status


@bp.post("/<int:assessment_id>/complete")
@require(Permission.SCORE_ASSESSMENT)
def complete(assessment_id: int):
    assessment = _load(assessment_id, policies.can_score)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.complete_review(assessment, actor=_me())
    db.session.commit()
    flash(_("The review is complete. Now make your recommendation."), "success")
    return _back(assessment, "review.recommend")


@bp.post("/<int:assessment_id>/reopen")
@require(Permission.SCORE_ASSESSMENT)
def reopen(assessment_id: int):
    assessment = _load(assessment_id, policies.can_score)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.reopen_review(assessment, actor=_me())
    db.session.commit()
    flash(_("The review is open again."), "success")
    return _back(assessment)


# -- Evidence requests --------------------------------------------------------------------------

def _request_form(assessment: Assessment) -> EvidenceRequestForm:
    form = EvidenceRequestForm()
    # The review page also holds the form to leave the team, whose reason field is "reason"
    # too: one id for both would leave this one without its label.
    form.reason.id = form.reason.label.field_id = "request-reason"
    language = current_language()
    form.criterion_code.choices = [SelectChoice(e.code, f"{e.code} {e.title.get(language)}")
                                   for e in services.applicable_criteria(assessment)]
    return form


@bp.post("/<int:assessment_id>/requests")
@require(Permission.SCORE_ASSESSMENT)
def request_evidence(assessment_id: int):
    assessment = _load(assessment_id, policies.can_score)
    form = _request_form(assessment)
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(assessment)
    services.request_evidence(assessment, form.criterion_code.data, form.reason.data,
                              form.due_on.data, actor=_me())
    db.session.commit()
    flash(_("The request is sent: criterion %(code)s is open to the LGO.",
            code=form.criterion_code.data), "success")
    return _back(assessment)


@bp.get("/<int:assessment_id>/changes")
@require(*REVIEW_VIEWERS)
def changes(assessment_id: int):
    assessment = _load(assessment_id)
    effective = {e.code: e for e in services.applicable_criteria(assessment)}
    return render_template("review/changes.html", assessment=assessment,
                           rounds=services.request_rounds(assessment), effective=effective,
                           as_answer=_payload_answer)


def _payload_answer(data: dict | None) -> Answer | None:
    if data is None:
        return None
    checked = data.get("checked")
    return Answer(level=data.get("level"),
                  checked=frozenset(checked) if checked is not None else None,
                  value=data.get("value"), yes=data.get("yes"),
                  not_applicable=bool(data.get("is_not_applicable")))


# -- The LGO's side of evidence requests --------------------------------------------------------

@bp.get("/requests")
@require(Permission.EDIT_ASSESSMENT)
def lgo_index():
    """The LGO's assessments that the review teams asked more evidence of."""
    return render_template("review/lgo_index.html",
                           rows=queries.lgo_assessments_with_requests(_me()))


@bp.get("/<int:assessment_id>/lgo")
@require(Permission.EDIT_ASSESSMENT)
def lgo_requests(assessment_id: int):
    assessment = _load(assessment_id, policies.can_answer_requests)
    effective = {e.code: e for e in services.applicable_criteria(assessment)}
    return render_template(
        "review/lgo_requests.html", assessment=assessment, effective=effective,
        requests=services.requests_of(assessment), form=ConfirmForm(), today=today_bangkok(),
        workspace_url=_workspace_url(assessment), open_status=EvidenceRequestStatus.OPEN)


def _workspace_url(assessment: Assessment) -> str | None:
    if "assessments.workspace" not in current_app.view_functions:
        return None
    return url_for("assessments.workspace", assessment_id=assessment.id)


@bp.post("/<int:assessment_id>/lgo/answer")
@require(Permission.EDIT_ASSESSMENT)
def answer_requests(assessment_id: int):
    assessment = _load(assessment_id, policies.can_answer_requests)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.answer_requests(assessment, actor=_me())
    db.session.commit()
    flash(_("Your answer is sent to the review team."), "success")
    return _back(assessment, "review.lgo_requests")


# -- Site visits --------------------------------------------------------------------------------

def _visit_form(assessment: Assessment) -> VisitForm:
    form = VisitForm()
    form.team.choices = [SelectChoice(a.assessor_id, a.assessor.display_name)
                         for a in services.team_of(assessment)]
    return form


@bp.post("/<int:assessment_id>/visits")
@require(Permission.SCORE_ASSESSMENT)
def schedule_visit(assessment_id: int):
    assessment = _load(assessment_id, policies.can_score)
    form = _visit_form(assessment)
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(assessment)
    services.schedule_visit(assessment, form.visit_on.data, form.team.data,
                            form.lgo_contacts.data, actor=_me())
    db.session.commit()
    flash(_("The visit is scheduled. Print the on-site sheet to take with you."), "success")
    return _back(assessment, "review.visit")


@bp.route("/<int:assessment_id>/visit", methods=["GET", "POST"])
@require(Permission.SCORE_ASSESSMENT)
def visit(assessment_id: int):
    assessment = _load(assessment_id, policies.can_score)
    me = _me()
    current = services.current_visit(assessment)
    form = FindingsForm(obj=current)
    sheet = pdf.sheet_criteria(assessments.edition_of(assessment), assessment.lgo_type,
                               assessment.area_tags or ())
    status = 200
    if request.method == "POST":
        if current is None:
            flash(_("Schedule the visit first."), "error")
            status = 422
        elif form.validate_on_submit():
            findings, errors = {}, []
            for row in sheet:
                answer, error = parse_answer(row.effective, request.form, FOUND)
                if error:
                    errors.append(error)
                score = services.ScoreInput(answer, parse_text(
                    request.form, FOUND, row.code, "comment")) if answer else None
                findings[row.code] = services.FindingInput(
                    parse_text(request.form, FOUND, row.code, "finding"),
                    parse_ids(parse_text(request.form, FOUND, row.code, "evidence")), score)
            if errors:
                flash(" ".join(errors), "error")
                status = 422
            else:
                try:
                    services.record_findings(current, form.summary.data, findings, actor=me)
                except DomainError as error:
                    _fail(error)
                    status = error.status
                else:
                    db.session.commit()
                    flash(_("The findings of the visit are recorded."), "success")
                    return _back(assessment, "review.visit")
        else:
            flash(_form_errors(form), "error")
            status = 422
    return render_template(
        "review/visit.html", assessment=assessment, visit=current, sheet=sheet, form=form,
        prefix=FOUND, is_lead=policies.is_lead(me, assessment),
        consensus=services.consensus_of(assessment), own_answer=services.row_answer,
        names=_names(assessment), visits=services.visits_of(assessment),
        done=SiteVisitStatus.DONE, photos_form=VisitPhotosForm(), item_url=_item_url), status


@bp.post("/<int:assessment_id>/visit/photos")
@require(Permission.SCORE_ASSESSMENT)
def visit_photos(assessment_id: int):
    """Photos taken on site: stored in the LGO's evidence library (through the evidence
    services, with their checks) and cited in the visit's finding for one criterion."""
    assessment = _load(assessment_id, policies.can_score)
    form = VisitPhotosForm()
    current = services.current_visit(assessment)
    files = [f for f in (form.photos.data or []) if getattr(f, "filename", "")]
    if current is None or not form.validate_on_submit() or not files:
        flash(_form_errors(form) or _("Choose the photos to add."), "error")
        return _back(assessment, "review.visit")
    from lgo_assess.evidence import services as evidence
    uploads = [evidence.Upload(f.stream, f.filename) for f in files]
    try:
        added = services.add_visit_photos(
            current, form.criterion_code.data, uploads, actor=_me(),
            settings=evidence.EvidenceSettings.from_config(current_app.config))
    except DomainError as error:
        _fail(error)
        for message in (error.details.get("errors") or {}).values():
            flash(str(message), "error")
        return _back(assessment, "review.visit")
    db.session.commit()
    flash(ngettext("%(num)d photo added to the LGO's evidence library.",
                   "%(num)d photos added to the LGO's evidence library.", len(added)), "success")
    return _back(assessment, "review.visit")


@bp.get("/<int:assessment_id>/onsite-sheet.pdf")
@require(Permission.SCORE_ASSESSMENT)
def onsite_sheet(assessment_id: int):
    assessment = _load(assessment_id, policies.can_score)
    language = current_language()
    edition = assessments.edition_of(assessment)
    rows = pdf.sheet_criteria(edition, assessment.lgo_type, assessment.area_tags or (),
                              assessments.answers_of(assessment))
    current = services.current_visit(assessment)
    names = _names(assessment)
    team = tuple(names.get(i, "") for i in (current.team_ids if current else names))
    lgo = assessment.lgo
    header = pdf.SheetHeader(
        lgo_name=(lgo.name_en if language == "en" and lgo.name_en else lgo.name_th),
        standard=f"{edition.standard.name.get(language)} · {edition.title.get(language)}",
        visit_on=current.visit_on if current else None, team=team,
        lgo_contacts=current.lgo_contacts if current else "",
        reference=_("Assessment %(id)s", id=assessment.id))
    buffer = io.BytesIO()
    pdf.build_onsite_sheet(buffer, header, rows, language=language, gettext=_)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/pdf", as_attachment=False,
                     download_name=f"onsite-sheet-{assessment.id}.pdf")


# -- Recommendation -----------------------------------------------------------------------------

@bp.route("/<int:assessment_id>/recommendation", methods=["GET", "POST"])
@require(Permission.SCORE_ASSESSMENT)
def recommend(assessment_id: int):
    assessment = _load(assessment_id, policies.can_score)
    me = _me()
    card = services.final_score(assessment)
    edition = assessments.edition_of(assessment)
    language = current_language()
    form = RecommendationForm()
    form.result_level.choices = [SelectChoice("", "—")] + [
        SelectChoice(level.code, level.label.get(language)) for level in edition.result.levels]
    if request.method == "GET" and card.result_level is not None:
        form.outcome.data = RecommendationOutcome.PASS.value
        form.result_level.data = card.result_level.code
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.recommend(assessment, RecommendationOutcome(form.outcome.data),
                                   form.result_level.data or None, form.justification.data,
                                   actor=me)
            except DomainError as error:
                _fail(error)
                status = error.status
            else:
                db.session.commit()
                flash(_("Your recommendation is with DLA."), "success")
                return _back(assessment)
        else:
            status = 422
    return render_template(
        "review/recommend.html", assessment=assessment, form=form, card=card,
        effective={e.code: e for e in services.applicable_criteria(assessment)},
        recommendation=services.recommendation_of(assessment),
        can_recommend=policies.is_lead(me, assessment) and assessment.status == S.REVIEWED,
        missing=services.missing_consensus(assessment), edition=edition), status


# -- DLA: settings and calibration --------------------------------------------------------------

def _cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    return cycle


@bp.route("/cycles/<int:cycle_id>/settings", methods=["GET", "POST"])
@require(Permission.MANAGE_CYCLES)
def settings(cycle_id: int):
    cycle = _cycle(cycle_id)
    current = services.settings_for(cycle)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        services.save_settings(cycle, block_same_district=form.block_same_district.data,
                               block_same_province=form.block_same_province.data,
                               min_team_size=form.min_team_size.data, actor=_me())
        db.session.commit()
        flash(_("The review rules of this cycle are saved."), "success")
        return redirect(url_for("review.settings", cycle_id=cycle.id))
    return render_template("review/settings.html", cycle=cycle, form=form), (
        422 if form.is_submitted() else 200)


@bp.get("/calibration")
@require(*DLA_VIEWERS)
def calibration_index():
    return render_template("review/calibration_index.html", cycles=queries.cycles(),
                           manage_cycles=Permission.MANAGE_CYCLES)


@bp.get("/cycles/<int:cycle_id>/calibration")
@require(*DLA_VIEWERS)
def calibration(cycle_id: int):
    cycle = _cycle(cycle_id)
    report = services.calibration_for(cycle)
    people = {u.id: u for u in db.session.query(User).filter(
        User.id.in_([a.assessor_id for a in report.assessors] or [-1]))}
    return render_template("review/calibration.html", cycle=cycle, report=report, people=people,
                           rules=calibration_rules)


# -- The assessor's list ------------------------------------------------------------------------

@bp.get("/mine")
@require(Permission.SCORE_ASSESSMENT)
def mine():
    return render_template("review/mine.html", assignments=queries.my_assignments(_me()),
                           today=today_bangkok())
