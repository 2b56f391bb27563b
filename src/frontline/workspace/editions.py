"""What a trainee is given: the trainee edition of a lesson and the release version of an exercise.

A lesson's *trainee edition* is the kit's notebook without its ``facilitator`` cells (those stay in the kit for the
run sheet and the facilitator's own copy) and without outputs. An exercise's *release version* is what nbgrader's
``generate_assignment`` hands out: solutions replaced by stubs, hidden tests and mark schemes removed. Both are
pure functions on notebook dictionaries, so the workspace, ``frontline check`` and a hub can share them.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

FACILITATOR_TAG = "facilitator"
# Text that must never reach a trainee: nbgrader's markers for solutions and hidden tests.
ANSWER_KEY_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                      "BEGIN MARK SCHEME", "END MARK SCHEME")
_FACILITATOR_HEADING = re.compile(r"^\s*(#+\s*)?(\*\*)?\s*facilitator(s|'s)?\b", re.IGNORECASE)


class AnswerKeyLeak(ValueError):
    """A release version still holds solution or hidden-test text; it is never handed to a trainee."""


def cell_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def is_facilitator_cell(cell: dict[str, Any]) -> bool:
    return FACILITATOR_TAG in cell.get("metadata", {}).get("tags", [])


def looks_like_facilitator_notes(cell: dict[str, Any]) -> bool:
    """A markdown cell whose heading or first words announce notes for facilitators."""
    return cell.get("cell_type") == "markdown" and bool(_FACILITATOR_HEADING.match(cell_text(cell)))


def _without_outputs(cell: dict[str, Any]) -> dict[str, Any]:
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    return cell


def trainee_edition(notebook: dict[str, Any]) -> dict[str, Any]:
    """The lesson as a trainee gets it: no facilitator cells, no outputs, no saved widget state."""
    edition = copy.deepcopy(notebook)
    edition["cells"] = [_without_outputs(c) for c in notebook["cells"] if not is_facilitator_cell(c)]
    edition.get("metadata", {}).pop("widgets", None)
    return edition


def release_version(notebook: dict[str, Any]) -> dict[str, Any]:
    """The exercise as nbgrader releases it (its own preprocessors), checked to hold no answer key."""
    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearOutput, ClearSolutions

    nb = nbformat.reads(json.dumps(notebook), as_version=4)  # sources as strings, as nbgrader expects
    resources: dict[str, Any] = {}
    try:
        for step in (ClearSolutions(), ClearHiddenTests(), ClearMarkScheme(), ClearOutput()):
            nb, resources = step.preprocess(nb, resources)
    except RuntimeError as e:  # nbgrader's own refusal, e.g. a solution region that never ends
        raise AnswerKeyLeak(f"the exercise cannot be released: {e}") from e
    released = nbformat.from_dict(nb)
    leaks = [i + 1 for i, cell in enumerate(released["cells"])
             if any(marker in cell_text(cell) for marker in ANSWER_KEY_MARKERS)]
    if leaks:
        raise AnswerKeyLeak(f"cells {', '.join(map(str, leaks))} still hold solution or hidden-test text")
    return released
