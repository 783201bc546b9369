import pytest

from tests.web import evidence_scene


@pytest.fixture(autouse=True)
def _evidence_store_for_the_matrix(app):
    """Evidence items made for the route × role matrix write their blobs where the app reads."""
    evidence_scene.STORE_ROOT = app.config["EVIDENCE_DIR"]
