"""Imports every model module so that SQLAlchemy's metadata (and Alembic) sees all tables."""
from lgo_assess.accounts import models as accounts_models  # noqa: F401
from lgo_assess.core import audit  # noqa: F401
from lgo_assess.criteria import models as criteria_models  # noqa: F401
from lgo_assess.evidence import models as evidence_models  # noqa: F401
from lgo_assess.registry import models as registry_models  # noqa: F401
from lgo_assess.assessments import models as assessments_models  # noqa: F401
from lgo_assess.notifications import models as notifications_models  # noqa: F401
from lgo_assess.review import models as review_models  # noqa: F401
from lgo_assess.certification import models as certification_models  # noqa: F401
from lgo_assess.api import models as api_models  # noqa: F401
from lgo_assess.kpi import summary as kpi_summary  # noqa: F401  (models + live roll-up)
