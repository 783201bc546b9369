"""``flask registry …``: import geography and LGOs, synthesize a national registry."""
from flask.cli import AppGroup

cli = AppGroup("registry", help="Regions, provinces, districts and LGOs.")
