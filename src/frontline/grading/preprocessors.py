"""Small nbgrader preprocessors the course config plugs into nbgrader's pipeline.

* :class:`SerialKernelStartExecute`: nbgrader's Execute, with kernel start-up taken in turns by parallel graders
  (kernels started at the same moment can pick the same free TCP port, and one of them then fails to start).
* :class:`RestoreStrippedMetadata` (autograde, before OverwriteCells): when a submission lost its nbgrader cell
  metadata but kept the released cell layout, give each cell back the metadata of the released cell in its place.
* :class:`SafeOverwriteCells`: nbgrader's OverwriteCells, with missing grade cells put back after the nearest
  preceding cell that is still there (nbgrader's own version fails when that neighbour is missing too).
* :class:`InsertMarkScheme` (autograde, last): after each manually graded answer, a read-only markdown cell with
  the rubric from ``grading/rubrics/``, which the formgrader shows to graders.
* :class:`HideTestSource` (feedback): test cells keep their result and error message but lose their source and
  traceback, so returned feedback never reveals (hidden) tests; mark schemes are removed.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from traitlets import Unicode

MARK_SCHEME_KEY = "frontline"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


# per user: another user's lock file would not be writable
KERNEL_START_LOCK = Path(tempfile.gettempdir()) / f"frontline-kernel-start-{os.getuid()}.lock"


class SerialKernelStartExecute(Execute):
    _lock_handle = None

    async def async_start_new_kernel(self, **kwargs):
        self._lock_handle = KERNEL_START_LOCK.open("a")
        fcntl.flock(self._lock_handle, fcntl.LOCK_EX)
        try:
            return await super().async_start_new_kernel(**kwargs)
        except BaseException:
            self._release()
            raise

    async def async_start_new_kernel_client(self):
        try:
            return await super().async_start_new_kernel_client()  # returns once the kernel has bound its ports
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None


class RestoreStrippedMetadata(NbGraderPreprocessor):
    release_root = Unicode("", help="The course's release folder (holds the released notebooks).").tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        notebook = resources["nbgrader"]["notebook"]
        released_path = Path(self.release_root) / assignment / f"{notebook}.ipynb"
        if not self.release_root or not released_path.exists():
            return nb, resources
        released = nbformat.read(released_path, as_version=4)
        present = {_grade_id(cell) for cell in nb.cells} - {None}
        wanted = [_grade_id(cell) for cell in released.cells if _grade_id(cell)]
        if set(wanted) <= present or len(released.cells) != len(nb.cells):
            return nb, resources  # nothing stripped, or the layout changed too much to match cells by position
        for index, (cell, original) in enumerate(zip(nb.cells, released.cells, strict=True)):
            grade_id = _grade_id(original)
            if grade_id and grade_id not in present and _grade_id(cell) is None:
                self.log.warning("Restoring nbgrader metadata of cell %s at position %d", grade_id, index)
                cell.metadata["nbgrader"] = dict(original.metadata["nbgrader"])
                if cell.cell_type != original.cell_type:
                    cell.metadata["nbgrader"]["cell_type"] = cell.cell_type
        return nb, resources


class SafeOverwriteCells(OverwriteCells):
    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = list(source_nb.source_cells)
        order = [cell.name for cell in source_cells]
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        last_inserted = -1
        for position, name in enumerate(order):
            if name not in grade_cells:
                continue
            present = {_grade_id(cell): i for i, cell in enumerate(nb.cells) if _grade_id(cell)}
            if name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", name)
            new_cell = self.missing_cell_transform(source_cells[position], grade_cells[name].max_score,
                                                   is_solution=name in solution_ids)
            anchor = next((present[prev] for prev in reversed(order[:position]) if prev in present), None)
            index = (anchor + 1) if anchor is not None else last_inserted + 1
            nb.cells.insert(index, new_cell)
            last_inserted = index
        return nb, resources


class InsertMarkScheme(NbGraderPreprocessor):
    rubrics_dir = Unicode("", help="Folder of the rubric files (<assignment>.yaml).").tag(config=True)

    def preprocess(self, nb, resources):
        from frontline.grading.rubrics import load_rubrics

        if not self.rubrics_dir:
            return nb, resources
        rubrics = load_rubrics(Path(self.rubrics_dir), resources["nbgrader"]["assignment"])
        cells = []
        for cell in nb.cells:
            if cell.get("metadata", {}).get(MARK_SCHEME_KEY, {}).get("mark_scheme"):
                continue  # re-autograding: replace, don't pile up
            cells.append(cell)
            grade_id = _grade_id(cell)
            if grade_id in rubrics and utils.is_grade(cell) and (utils.is_solution(cell) or utils.is_task(cell)):
                scheme = nbformat.v4.new_markdown_cell(rubrics[grade_id].to_markdown())
                scheme.metadata = {"deletable": False, "editable": False,
                                   MARK_SCHEME_KEY: {"mark_scheme": True, "for": grade_id}}
                scheme["id"] = f"mark-scheme-{grade_id}"[:64]
                cells.append(scheme)
        nb.cells = cells
        return nb, resources


def error_message(output: NotebookNode) -> str:
    """``Name: message`` of an error output, without the traceback (which quotes the test's code)."""
    return f"{output.get('ename', 'Error')}: {ANSI_ESCAPE.sub('', str(output.get('evalue', '')))}".rstrip(": ")


class HideTestSource(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            if cell.get("metadata", {}).get(MARK_SCHEME_KEY, {}).get("mark_scheme"):
                continue
            if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
                grade_id = _grade_id(cell)
                errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                cell.source = f"# Tests for {grade_id} (the test code is not shown)"
                if errors:
                    message = error_message(errors[-1])
                    cell.outputs = [nbformat.v4.new_output("stream", name="stderr",
                                                           text=f"✘ Not passed. {message}\n")]
                else:  # what a test printed for the trainee (a graded scenario's path and debrief) stays
                    printed = "".join(o.get("text", "") for o in cell.get("outputs", [])
                                      if o.get("output_type") == "stream" and o.get("name") == "stdout")
                    cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                           text=printed or "✔ All tests passed.\n")]
            cells.append(cell)
        nb.cells = cells
        return nb, resources
