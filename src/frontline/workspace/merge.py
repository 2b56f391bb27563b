"""Three-way merge of a lesson notebook, cell by cell (matched by cell id), in the way nbgitpuller treats files.

*base* is the edition the trainee was given, *ours* the trainee's saved copy, *theirs* the kit's new edition:

* a cell the trainee did not touch follows the kit (changed, moved or removed), keeping the trainee's outputs when
  its text is unchanged;
* a cell the trainee edited stays as they wrote it; if the kit changed the same cell too, the kit's new version is
  added right after it with a note in words, so nothing the trainee wrote and nothing new in the course is lost;
* cells the trainee added stay after the cell they followed; cells the trainee deleted stay deleted unless the
  kit changed them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from frontline.workspace.editions import cell_text

UPDATED_NOTE_TAG = "frontline-update-note"


@dataclass
class MergeResult:
    notebook: dict[str, Any]
    kept_edits: int = 0  # cells the trainee edited, kept as they are
    conflicts: list[str] = field(default_factory=list)  # first words of cells both sides changed, for the note
    updated: int = 0  # cells that took the kit's new text


def _key(cell: dict[str, Any]) -> tuple[str, str]:
    return cell.get("cell_type", ""), cell_text(cell)


def _by_id(nb: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in nb["cells"] if "id" in c}


def _first_words(cell: dict[str, Any], limit: int = 60) -> str:
    text = " ".join(cell_text(cell).split()).lstrip("# ")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _update_note(cell_id: str) -> dict[str, Any]:
    return {
        "cell_type": "markdown", "id": f"{cell_id}-note"[:64],
        "metadata": {"tags": [UPDATED_NOTE_TAG]},
        "source": "**The course has updated the cell above.** Your own version is kept as you left it; the "
                  "updated version follows. Keep whichever you prefer and delete the other (and this note).",
    }


def merge_notebook(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> MergeResult:
    base_cells, our_cells = _by_id(base), _by_id(ours)
    theirs_ids = {c.get("id") for c in theirs["cells"]}
    result = MergeResult(notebook=copy.deepcopy(theirs))
    merged: list[dict[str, Any]] = []
    placed: set[str] = set()

    for kit_cell in theirs["cells"]:
        cell_id = kit_cell.get("id")
        old, mine = base_cells.get(cell_id), our_cells.get(cell_id)
        kit_changed = old is None or _key(old) != _key(kit_cell)
        if mine is None:
            if old is None or kit_changed:  # a new kit cell, or one the trainee deleted that the kit has changed
                merged.append(copy.deepcopy(kit_cell))
                result.updated += old is not None
            continue
        placed.add(cell_id)
        trainee_changed = old is not None and _key(old) != _key(mine)
        if not trainee_changed:
            chosen = copy.deepcopy(kit_cell)
            if not kit_changed and mine.get("cell_type") == "code":  # same text: keep what the trainee ran
                chosen["outputs"] = copy.deepcopy(mine.get("outputs", []))
                chosen["execution_count"] = mine.get("execution_count")
            result.updated += kit_changed
            merged.append(chosen)
        elif not kit_changed or _key(kit_cell) == _key(mine):
            merged.append(copy.deepcopy(mine))
            result.kept_edits += 1
        else:
            merged.append(copy.deepcopy(mine))
            merged.append(_update_note(cell_id))
            updated = copy.deepcopy(kit_cell)
            updated["id"] = f"{cell_id}-updated"[:64]
            merged.append(updated)
            result.kept_edits += 1
            result.conflicts.append(_first_words(kit_cell))

    # Cells only the trainee has (added, or edited cells the kit has since removed): after the cell they followed.
    previous_id: str | None = None
    for cell in ours["cells"]:
        cell_id = cell.get("id")
        if cell_id in placed or cell_id in theirs_ids:
            previous_id = cell_id
            continue
        old = base_cells.get(cell_id)
        if old is not None and _key(old) == _key(cell):
            continue  # an untouched cell the kit removed
        position = next((i + 1 for i, c in enumerate(merged) if c.get("id") == previous_id), 0 if previous_id is None
                        else len(merged))
        merged.insert(position, copy.deepcopy(cell))
        result.kept_edits += old is not None
        previous_id = cell_id
    result.notebook["cells"] = merged
    return result
