"""The benches' own sections of docs/PERFORMANCE.md: each bench writes between its two markers and
leaves every other section as it is."""

from __future__ import annotations

from pathlib import Path


def write_between(path: Path, section: str, start: str, end: str) -> None:
    """Replace the text from `start` to `end` in `path` with `section` (which carries both
    markers), or append it when the markers are not there yet."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else "# Performance\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
