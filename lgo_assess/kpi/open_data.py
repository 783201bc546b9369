"""Open data (the plan, L1257: disclose useful data by the open-data standard): public pages and
machine-readable CSV and JSON of certificates, results per LGO and KPI values, with a data
dictionary. Only facts about organisations: no person's name, e-mail or account appears.

Every file streams (rows are read with ``yield_per`` and written as they come), so the national
files start at once and never sit whole in memory.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Iterator

from flask import Response, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from lgo_assess.certification.models import Certificate
from lgo_assess.core.db import db
from lgo_assess.core.security import public
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.kpi import engine, export, rollup, summary
from lgo_assess.kpi.models import KpiLgoStandardYear, KpiLgoYear
from lgo_assess.kpi.views import bp, in_app_context
from lgo_assess.registry.models import Lgo, Province

LICENCE = "Open Data Licence (Thailand) / CC BY 4.0"

# field, type, description: the data dictionary (shown on /open-data, sent in every JSON file)
DATASETS = {
    "certificates": {
        "title": _l("Certificates"),
        "description": _l("Every certificate DLA has issued, with its status today."),
        "fields": [
            ("serial", "text", _l("Certificate number (standard, fiscal year, sequence)")),
            ("lgo_code", "text", _l("DLA code of the LGO")),
            ("lgo_name_th", "text", _l("LGO name in Thai")),
            ("lgo_name_en", "text", _l("LGO name in English (may be empty)")),
            ("province_code", "text", _l("DOPA code of the province")),
            ("province_name_th", "text", _l("Province name in Thai")),
            ("standard", "text", _l("Code of the standard (GGL, SEP, …)")),
            ("edition", "text", _l("Edition of the standard's criteria")),
            ("fiscal_year", "integer", _l("Fiscal year (B.E.) of the assessment")),
            ("result_level", "text", _l("Result level code (pass, good, excellent)")),
            ("issued_on", "date", _l("Day of issue (ISO 8601, Gregorian)")),
            ("valid_until", "date", _l("Last valid day (ISO 8601, Gregorian)")),
            ("status", "text", _l("valid, expired, revoked or superseded, as of today")),
            ("verify_url", "url", _l("Public page showing the certificate's live status")),
        ]},
    "results": {
        "title": _l("Results per LGO"),
        "description": _l("For every LGO and fiscal year of the plan: the LGO's type that year "
                          "and, per standard, the result level of the certificate it held on 30 "
                          "September (empty when none)."),
        "fields": [
            ("fiscal_year", "integer", _l("Fiscal year (B.E.)")),
            ("lgo_code", "text", _l("DLA code of the LGO")),
            ("lgo_name_th", "text", _l("LGO name in Thai")),
            ("province_code", "text", _l("DOPA code of the province")),
            ("lgo_type", "text", _l("LGO type in that fiscal year")),
            ("standard", "text", _l("Code of the standard")),
            ("result_level", "text", _l("Result level held on 30 September")),
            ("certificate", "text", _l("Number of that certificate")),
        ]},
    "kpis": {
        "title": _l("KPI values"),
        "description": _l("Every KPI of the plan, nationally, for each fiscal year: the value "
                          "(computed or entered by DLA), the target and, for computed KPIs, the "
                          "numbers of LGOs behind it."),
        "fields": [
            ("kpi", "text", _l("KPI id in the plan (e.g. SI3-G1-K1)")),
            ("name_th", "text", _l("KPI name in Thai")),
            ("name_en", "text", _l("KPI name in English")),
            ("source", "text", _l("computed or manual")),
            ("unit", "text", _l("percent, count, index, score, level or ratio")),
            ("fiscal_year", "integer", _l("Fiscal year (B.E.)")),
            ("value", "number", _l("The value (empty when not known)")),
            ("target", "number", _l("The target (empty when none is set)")),
            ("numerator", "integer", _l("Computed KPIs: LGOs counted")),
            ("denominator", "integer", _l("Computed KPIs: LGOs in the population")),
            ("data_source", "text", _l("Manual KPIs: where the figure comes from")),
        ]},
}


def _base_url() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def certificate_rows(base: str) -> Iterator[list]:
    today = today_bangkok()
    query = (select(Certificate, Lgo.dla_code, Lgo.name_th, Lgo.name_en, Province.code,
                    Province.name_th)
             .join(Lgo, Lgo.id == Certificate.lgo_id)
             .join(Province, Province.id == Lgo.province_id)
             .order_by(Certificate.id).execution_options(yield_per=1000))
    from lgo_assess.criteria.models import StandardEdition
    editions = dict(db.session.execute(select(StandardEdition.id, StandardEdition.code)).all())
    for cert, code, name_th, name_en, province_code, province_th in db.session.execute(query):
        yield [cert.serial, code, name_th, name_en or "", province_code, province_th,
               cert.standard_code, editions.get(cert.edition_id, ""), cert.fiscal_year,
               cert.result_level_code, cert.issued_on, cert.valid_until,
               cert.status_on(today).value, f"{base}/v/{cert.verification_token}"]


def result_rows(_base: str) -> Iterator[list]:
    summary.ensure_fresh(db.session)
    y, s = KpiLgoYear, KpiLgoStandardYear
    query = (select(y.fiscal_year, Lgo.dla_code, Lgo.name_th, Province.code, y.lgo_type,
                    s.standard_code, Certificate.result_level_code, Certificate.serial)
             .select_from(y).join(Lgo, Lgo.id == y.lgo_id)
             .join(Province, Province.id == y.province_id)
             .outerjoin(s, and_(s.lgo_id == y.lgo_id, s.fiscal_year == y.fiscal_year))
             .outerjoin(Certificate, Certificate.id == s.certificate_id)
             .order_by(y.fiscal_year, Lgo.dla_code, s.standard_code)
             .execution_options(yield_per=2000))
    for row in db.session.execute(query):
        yield [row[0], row[1], row[2], row[3], row[4], row[5] or "", row[6] or "", row[7] or ""]


def kpi_rows(_base: str) -> Iterator[list]:
    all_kpis = engine.kpis()
    computed = [k for k in all_kpis if k.is_computed]
    spec_of = engine.specs(computed)
    by_year = engine.year_cells(summary.YEARS)
    targets = engine.targets(summary.YEARS, [rollup.NATION])
    values = engine.manual_values(summary.YEARS, [rollup.NATION])
    nation = rollup.Scope(rollup.NATION)
    for kpi in all_kpis:
        for fy in summary.YEARS:
            if kpi.is_computed:
                row = engine.computed_row(kpi, spec_of[kpi.id], by_year[fy], {}, nation, fy,
                                          targets)
            else:
                row = engine.manual_row(kpi, nation, fy, values, targets)
            yield [kpi.id, kpi.name_th, kpi.name_en, kpi.source, kpi.unit, fy,
                   None if row.value is None else round(row.value, 4), row.target,
                   row.numerator, row.denominator, row.source_text or ""]


ROWS = {"certificates": certificate_rows, "results": result_rows, "kpis": kpi_rows}


def _json_value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def json_stream(name: str, base: str) -> Iterator[bytes]:
    meta = DATASETS[name]
    fields = [f for f, _t, _d in meta["fields"]]
    head = {"dataset": name, "title": str(meta["title"]),
            "description": str(meta["description"]), "licence": LICENCE,
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "fields": [{"name": f, "type": t, "description": str(d)}
                       for f, t, d in meta["fields"]]}
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "records": ['
    yield opening.encode("utf-8")
    first = True
    batch = []
    for row in ROWS[name](base):
        record = {f: _json_value(v) for f, v in zip(fields, row)}
        batch.append(("" if first else ",") + json.dumps(record, ensure_ascii=False))
        first = False
        if len(batch) >= 500:
            yield "".join(batch).encode("utf-8")
            batch = []
    batch.append("]}")
    yield "".join(batch).encode("utf-8")


def _respond(name: str, fmt: str):
    base = _base_url()
    if fmt == "json":
        body, mimetype = json_stream(name, base), "application/json"
    else:
        table = export.Table(name, str(DATASETS[name]["title"]),
                             [f for f, _t, _d in DATASETS[name]["fields"]],
                             (["" if v is None else _json_value(v) for v in row]
                              for row in ROWS[name](base)))
        body, mimetype = export.csv_stream(table), export.CSV_TYPE
    response = Response(in_app_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/open-data")
@public
def open_data():
    links = {name: {fmt: url_for("kpi.open_dataset", dataset=name, fmt=fmt)
                    for fmt in ("csv", "json")}
             for name in DATASETS}
    return render_template("kpi/open_data.html", datasets=DATASETS, links=links,
                           licence=LICENCE)


@bp.get("/open-data/<any(certificates, results, kpis):dataset>.<any(csv, json):fmt>")
@public
def open_dataset(dataset: str, fmt: str):
    return _respond(dataset, fmt)
