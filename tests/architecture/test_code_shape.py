"""The house's shape (issue 13): imports point down, no cycles, small modules and functions."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.architecture.code_shape import MAX_FUNCTION_LINES, ROOT, oversized

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own venv's lint-imports, fixed arguments
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_no_module_or_function_is_over_its_size_limit():
    assert oversized() == []


def test_the_size_check_names_a_function_over_the_limit(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "long.py").write_text(f"def too_long():\n{body}\n")
    for package in ("config", "billing", "subscriptions"):
        (tmp_path / package).mkdir()

    assert oversized(tmp_path) == [
        f"accounts/long.py:1: function too_long of {MAX_FUNCTION_LINES + 1} lines "
        f"(limit {MAX_FUNCTION_LINES})"
    ]


def test_imports_point_down_and_no_app_has_a_cycle():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def copy_of_the_apps(tmp_path):
    for package in ("config", "accounts", "billing", "subscriptions"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_an_accounts_module_importing_billing_breaks_the_layers_contract(copy_of_the_apps):
    selectors = copy_of_the_apps / "accounts" / "selectors.py"
    selectors.write_text(selectors.read_text() + "\nfrom billing import services  # noqa\n")

    result = lint_imports(copy_of_the_apps)

    assert result.returncode == 1
    assert "accounts is not allowed to import billing" in result.stdout
    assert "accounts.selectors -> billing.services" in result.stdout


def test_a_cycle_inside_an_app_breaks_the_acyclic_contract(copy_of_the_apps):
    billing = copy_of_the_apps / "billing"
    (billing / "cycle_a.py").write_text("from billing import cycle_b  # noqa\n")
    (billing / "cycle_b.py").write_text("from billing import cycle_a  # noqa\n")

    result = lint_imports(copy_of_the_apps)

    assert result.returncode == 1
    assert "No cycles are allowed in billing" in result.stdout
