"""KPIs of the plan: the catalogue as tables, targets and manually entered values, the live
roll-up of certificates over the registry as it stood in each fiscal year, dashboards with
drill-down, exports, the executive report and open data.

The roll-up reads a small per-LGO summary (``summary``) kept current inside the same transaction
as every decision, revocation or registry change, so a dashboard shows a decision the moment it
is committed, and national figures are a GROUP BY over a few thousand rows.
"""
