"""Static checks: ruff's flake8-bandit (S) security rules and the syntax-error / undefined-name
rules over the application package, configured in pyproject.toml. A finding fails the suite;
a deliberate exception carries ``# noqa: S…  -- reason`` on its line."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing_in_the_application():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format=concise",
         "lgo_assess"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"ruff findings:\n{result.stdout}{result.stderr}"


def test_the_security_rules_are_selected():
    """The check above is only worth something while the S rules stay on."""
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'select = ["S", "E9", "F63", "F7", "F82"]' in config
