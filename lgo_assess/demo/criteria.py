"""Demo criteria: import every shipped edition in criteria/ and publish it, so cycles can open.

An edition whose file has problems is skipped (and named); an edition already published is
left alone. A second run changes nothing.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from lgo_assess.core.errors import DomainError
from lgo_assess.criteria import services
from lgo_assess.criteria.loader import load_library
from lgo_assess.criteria.models import EditionStatus


def load(ctx) -> int:
    criteria_dir = Path(current_app.config["CRITERIA_DIR"])
    library = load_library([criteria_dir])
    created = 0
    for loaded in library.editions:
        if loaded.problems:
            ctx.echo(f"demo criteria: skipped {loaded.path} ({len(loaded.problems)} problems; "
                     "run flask criteria validate)")
            continue
        try:
            result = services.import_edition(
                loaded, source_path=str(Path(loaded.path).relative_to(criteria_dir.parent)))
        except DomainError as error:
            ctx.echo(f"demo criteria: {loaded.path}: {error.message}")
            continue
        if result.outcome != services.UNCHANGED:
            created += 1
        if result.edition.status == EditionStatus.DRAFT:
            services.publish_edition(result.edition)
            created += 1
    return created
