"""Module and function sizes of the apps (issue 13; shared/STYLE.md "Small habits").

No module of an app (benchmarks and management commands included, migrations excepted) is longer
than MAX_MODULE_LINES, and no function longer than MAX_FUNCTION_LINES. Run as a script by
`make lint`; tests/architecture/test_code_shape.py asserts the same in the suite.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "accounts", "billing", "subscriptions")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def modules(root: Path = ROOT) -> list[Path]:
    """Every Python module of the apps and config, migrations excepted."""
    return sorted(
        path
        for package in PACKAGES
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.relative_to(root).parts
    )


def oversized(root: Path = ROOT) -> list[str]:
    """One line per module or function over its limit, naming where it is and how long."""
    found = []
    for path in modules(root):
        source = path.read_text()
        name = path.relative_to(root)
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{name}: module of {lines} lines (limit {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(source, filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(
                        f"{name}:{node.lineno}: function {node.name} of {length} lines "
                        f"(limit {MAX_FUNCTION_LINES})"
                    )
    return found


if __name__ == "__main__":
    problems = oversized()
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(f"code shape: {len(problems)} module(s)/function(s) over the limits")
    print(f"code shape: {len(modules())} modules within the limits")
