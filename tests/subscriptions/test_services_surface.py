"""DESIGN §6: subscriptions.services is a package of modules by concern (issue 13); the names
other apps, tasks and screens call stay importable from it, with the same signatures."""

import ast
import inspect
from pathlib import Path

import pytest

from subscriptions import services

KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY
PACKAGE = Path(services.__file__).parent


@pytest.mark.parametrize("name", services.__all__)
def test_every_public_name_is_reexported_by_the_package(name):
    assert getattr(services, name) is not None


def test_order_keeps_its_design_6_signature():
    params = inspect.signature(services.order).parameters
    assert list(params)[:2] == ["account", "plan"]
    assert params["actor"].kind is KEYWORD_ONLY
    assert params["trial"].kind is KEYWORD_ONLY and params["trial"].default is False


def test_cancel_keeps_its_design_6_signature():
    params = inspect.signature(services.cancel).parameters
    assert list(params)[0] == "subscription"
    assert {"option", "actor", "on_date", "preview"} <= {
        name for name, p in params.items() if p.kind is KEYWORD_ONLY
    }
    assert params["on_date"].default is None and params["preview"].default is False


SUBMODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def imported_names(tree: ast.Module):
    """Every module an import statement names, relative ones written as in the source."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if node.module is None:  # from . import x / from .. import x
                yield from (base + alias.name for alias in node.names)
            else:
                yield base


@pytest.mark.parametrize("module", SUBMODULES)
def test_no_submodule_imports_the_package_back(module):
    """The package's __init__ imports every submodule, so one importing the package is a cycle;
    submodules import each other directly (from .ordering import get_plan)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    back = {"..services", "subscriptions.services"}
    for name in imported_names(tree):
        assert name not in back, f"{module} imports the package it belongs to"
        if name.startswith(".") and not name.startswith(".."):
            assert name[1:] in SUBMODULES, f"{module} imports {name}, not a sibling module"
