"""Small nbgrader preprocessors the course config plugs into nbgrader's pipeline.

* :class:`IsolatedExecute`: nbgrader's Execute with sandboxed kernels, judged test cells, time-outs that cost
  one cell, capped outputs and integrity findings (see the class).
* :class:`RestoreStrippedMetadata` (autograde, before OverwriteCells): when a submission lost its nbgrader cell
  metadata but kept the released cell layout, give each cell back the metadata of the released cell in its place.
* :class:`SafeOverwriteCells`: nbgrader's OverwriteCells, with missing grade cells put back after the nearest
  preceding cell that is still there (nbgrader's own version fails when that neighbour is missing too).
* :class:`InsertMarkScheme` (autograde, last): after each manually graded answer, a read-only markdown cell with
  the rubric from ``grading/rubrics/``, which the formgrader shows to graders.
* :class:`HideTestSource` (feedback): test cells keep their result and error message but lose their source and
  traceback, so returned feedback never reveals (hidden) tests; mark schemes are removed.

The sanitising of what trainees wrote (``SanitizeTraineeContent``) is in :mod:`frontline.grading.sanitize`; the
names that mark code reaching for the grading (``machinery_named``) are in :mod:`frontline.grading.machinery`.
"""

from __future__ import annotations

import ast
import copy
import hmac
import os
import re
import secrets
import time
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from traitlets import Integer, Unicode

from frontline.grading import judge, replay
from frontline.grading.machinery import machinery_named

MARK_SCHEME_KEY = "frontline"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


TEST_DID_NOT_RUN = "TestsDidNotRun"
KERNEL_STOPPED = "KernelStopped"
TIMEOUT_ERROR = "CellTimeoutError"
FINDING_MIME = "application/vnd.frontline.finding+json"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HIDDEN_REMOVED = "[hidden test text removed]"
REPORT_PLACEHOLDER = "# the grader's check after the last cell"
ASSIGNED = re.compile(r"^\s*(?:for\s+)?(_\w+)\b", re.MULTILINE)  # the tests' own names start with _
PLAIN_REASONS = {  # what the trainee reads in the feedback for the grader's own reasons
    TIMEOUT_ERROR: "The code took longer than the time limit.",
    KERNEL_STOPPED: "The code stopped Python before the tests could run.",
    TEST_DID_NOT_RUN: "The tests of this question could not run: the notebook changed how its cells run.",
    judge.UNTRUSTED: "The answer must be a plain value (a number, text, a list or a table).",
}
MISSING_NAME = re.compile(r"name '(\w+)' is not defined")


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(utils.is_grade(cell)) and not utils.is_solution(cell)


def hidden_lines(nb: NotebookNode, shortest: int = 16) -> list[str]:
    """Lines of hidden tests long enough to recognise when an output quotes them."""
    lines: list[str] = []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        inside = False
        for line in cell.source.splitlines():
            if line.strip() == HIDDEN_BEGIN:
                inside = True
            elif line.strip() == HIDDEN_END:
                inside = False
            elif inside and len(line.strip()) >= shortest:
                lines.append(line.strip())
    return sorted(set(lines), key=len, reverse=True)


def finding_output(problem: str, action: str) -> NotebookNode:
    """A note for the integrity report, kept in the autograded notebook (no effect on the grade)."""
    return nbformat.v4.new_output("display_data", data={FINDING_MIME: {"problem": problem, "action": action},
                                                        "text/plain": f"Grading note: {problem} ({action})"})


def error_output(ename: str, evalue: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _text_fields(output: NotebookNode):
    """(container, key) pairs of an output's text, for cutting and cleaning in place."""
    if output.get("output_type") == "stream":
        yield output, "text"
    elif output.get("output_type") == "error":
        yield output, "evalue"
        for index in range(len(output.get("traceback", []))):
            yield output["traceback"], index
    for mime in list(output.get("data") or {}):
        if mime.startswith("text/") or mime.endswith(("+xml", "javascript")):
            yield output["data"], mime


def _printed(cell: NotebookNode) -> str:
    """What a cell printed on its standard output."""
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _size(output: NotebookNode) -> int:
    return sum(len(str(container[key])) for container, key in _text_fields(output)) + sum(
        len(str(v)) for k, v in (output.get("data") or {}).items() if not k.startswith("text/"))


class IsolatedExecute(Execute):
    """nbgrader's Execute with every kernel in a sandbox and test cells judged apart from the trainee's code.

    * the kernel manager is :class:`frontline.grading.sandbox.SandboxKernelManager` (bubblewrap, limits);
    * each test cell runs through :mod:`frontline.grading.judge`: it scores only with a verdict signed with the
      kernel's secret, its outputs become exactly that verdict (so a warning printed by a correct answer cannot
      cost the marks, and nothing the trainee's code prints inside the tests reaches the feedback);
    * a cell that runs past the time limit costs that cell: if the kernel does not answer after the interrupt
      (code that ignores it), or the kernel stops, it is restarted and the earlier cells are run again;
    * outputs are capped while they arrive and cut to ``output_limit`` characters; outputs quoting hidden tests
      are cleaned. Findings go into the notebook as ``FINDING_MIME`` outputs for the integrity report;
    * a test cell that is one ``mark_scenario(...)`` call (a graded scenario) is marked by the grader's own replay
      of the answer file as handed in, in a sandboxed process that runs no trainee code, before the kernel starts
      (:mod:`frontline.grading.replay`): its points and printed path are the replay's, whatever the kernel said,
      and a kernel whose verdict differs is noted.
    """

    output_limit = Integer(10_000, help="Characters kept of each output.").tag(config=True)
    cell_output_limit = Integer(200_000, help="Characters collected from one cell before dropping the rest.").tag(
        config=True)
    restart_grace = Integer(3, help="Seconds a kernel has to answer after a time-out interrupt.").tag(config=True)
    replay_timeout = Integer(120, help="Seconds the replay of a notebook's graded scenarios may take.").tag(
        config=True)

    def __init__(self, *args, **kwargs):
        from frontline.grading.sandbox import SandboxKernelManager

        kwargs["kernel_manager_class"] = SandboxKernelManager
        kwargs.setdefault("raise_on_iopub_timeout", False)  # a busy kernel after a time-out is handled here
        super().__init__(*args, **kwargs)
        self._mine: set[int] = set()  # ids of the findings the grader made: any other is the notebook's own
        self._tokens: dict[str, str] = {}  # grade id -> the one-time token its verdict must carry
        self._report: NotebookNode | None = None
        self._kernel_manager = None  # nbclient drops self.km when the kernel shuts down, before verdicts are read

    def preprocess(self, nb, resources=None, km=None):
        self._hidden = hidden_lines(nb)
        self._received: dict[int, int] = {}
        self._skipped: set[int] = set()
        self._mine, self._tokens, self._kernel_manager = set(), {}, None
        self._replayed = self._replay_scenarios(nb, resources)  # from the files as handed in, before any trainee code
        self._test_names = ({m for c in nb.cells if is_test_cell(c) for m in ASSIGNED.findall(c.source)}
                            - {m for c in nb.cells if not is_test_cell(c) for m in ASSIGNED.findall(c.source)})
        self._report = report = nbformat.v4.new_code_cell(REPORT_PLACEHOLDER)
        nb.cells.append(report)  # says what the cells after the last test cell tried; removed below
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            if nb.cells and nb.cells[-1] is report:
                nb.cells.pop()
        self._mark_replayed(nb)
        verdicts, report_findings = self._verdicts(report, judge.REPORT_ID)
        if not verdicts and self._kernel_manager is not None:
            report_findings.append(self._note("the check after the last cell did not run: the notebook changed "
                                              "how cells run", "what the last cells tried is not known"))
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            # a finding displayed by the notebook itself is not the grader's: it never reaches the report
            cell.outputs = [o for o in cell.get("outputs", []) if id(o) in self._mine
                            or FINDING_MIME not in (o.get("data") or {})]
            if not is_test_cell(cell):
                self._clean_outputs(cell)
                named = machinery_named(cell.source)
                if named:
                    cell.outputs.append(self._note(
                        f"{self._where(cell, index)} names the grading itself ({', '.join(named)})",
                        "a test scores only with a verdict from the real tests; read the notebook to see what "
                        "it tried"))
        code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
        if report_findings and code_cells:
            code_cells[-1].outputs.extend(report_findings)
        for problem in getattr(self._kernel_manager, "lowered", []):
            if code_cells:
                code_cells[0].outputs.append(self._note(problem, "graded with the lower limit"))
        return nb, resources

    def _note(self, problem: str, action: str) -> NotebookNode:
        output = finding_output(problem, action)
        self._mine.add(id(output))
        return output

    def _replay_scenarios(self, nb, resources) -> dict[str, tuple[replay.ScenarioCall, replay.Marked]]:
        """grade id -> the call and what the grader's replay gave, for every graded scenario's test cell."""
        from frontline.grading.sandbox import SandboxKernelManager, submission_sources

        calls = {_grade_id(cell): call for cell in nb.cells
                 if is_test_cell(cell) and (call := replay.scenario_call(cell.source)) is not None}
        if not calls:
            return {}
        folder = Path(((resources or {}).get("metadata") or {}).get("path") or os.getcwd())
        limits = SandboxKernelManager(config=self.config)  # the grading kernels' limits, as configured
        marked = replay.replay_in_sandbox(list(calls.values()), submission_sources(folder), limits.memory_mb,
                                          limits.processes, limits.file_mb, self.replay_timeout,
                                          limits.scratch_root or None)
        return {grade_id: (call, done) for (grade_id, call), done in zip(calls.items(), marked, strict=True)}

    def _mark_replayed(self, nb) -> None:
        """Each replayed cell scores and shows what the replay gave; a kernel verdict that differs is noted."""
        for cell in nb.cells:
            grade_id = _grade_id(cell)
            if not is_test_cell(cell) or grade_id not in self._replayed:
                continue
            call, marked = self._replayed[grade_id]
            kernel_score, max_score = utils.determine_grade(cell)
            kernel_printed = _printed(cell)
            findings = [o for o in cell.get("outputs", []) if id(o) in self._mine]
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=marked.printed)] if marked.printed \
                else []
            cell.outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": repr(marked.points)},
                                                       execution_count=cell.get("execution_count")))
            self._clean_outputs(cell)
            earned = points_in_words(marked.points, max_score)
            if marked.problem:
                findings.append(self._note(f"{grade_id}: {marked.problem}", f"{earned} for this cell"))
            if kernel_score != marked.points or kernel_printed != _printed(cell):
                differs = (f"the kernel gave {points_in_words(kernel_score or 0, max_score)}"
                           if kernel_score != marked.points else "the kernel printed another path or debrief")
                findings.append(self._note(
                    f"{grade_id}: the grading kernel's verdict differs from the grader's own replay of "
                    f"{call.record} ({differs})",
                    f"scored and shown as the replay marked it: {earned}; read the notebook to see what changed "
                    "the kernel's marking"))
            cell.outputs.extend(findings)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.judge_key = os.urandom(32)
        self._kernel_manager = km
        return km

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is not None:
            self._received[cell_index] = self._received.get(cell_index, 0) + _size(out)
            if self._received[cell_index] > self.cell_output_limit:
                outs.remove(out)  # more than a cell may print: the rest is dropped, the note added at the end
                self._skipped.add(cell_index)
        return out

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        test = is_test_cell(cell)
        source = cell.source
        if test:
            token = self._tokens[_grade_id(cell)] = secrets.token_hex(16)
            cell.source = judge.harness_source(self.km.judge_key, _grade_id(cell), source, token)
        elif cell is self._report:
            token = self._tokens[judge.REPORT_ID] = secrets.token_hex(16)
            cell.source = judge.report_source(self.km.judge_key, token)
        stopped = False
        try:
            await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError:
            stopped = True
            cell.outputs.append(error_output(KERNEL_STOPPED, "the code stopped the grading kernel"))
        finally:
            cell.source = source
        timed_out = any(o.get("ename") == TIMEOUT_ERROR for o in cell.get("outputs", []))
        if stopped:
            cell.outputs.append(self._note(f"{self._where(cell, cell_index)} stopped the grading kernel",
                                               "that cell scores 0; the kernel was restarted for the rest"))
        if stopped or (timed_out and not await self._responds()):
            if timed_out:
                cell.outputs.append(self._note(
                    f"{self._where(cell, cell_index)} could not be interrupted",
                    "that cell scores 0; the kernel was restarted for the rest"))
            await self._restart(cell_index)
        if test:
            self._judge(cell, timed_out or stopped)
            self._clean_outputs(cell)  # what a test printed never quotes the hidden test code
        if cell_index in self._skipped:
            cell.outputs.append(nbformat.v4.new_output(
                "stream", name="stdout", text=f"[... output cut: more than {self.cell_output_limit} characters]\n"))
        return cell

    # nbclient binds the synchronous name to its own coroutine at class creation: bind it to this one
    execute_cell = run_sync(async_execute_cell)

    @staticmethod
    def _where(cell, cell_index: int) -> str:
        return _grade_id(cell) or f"cell {cell_index + 1}"

    async def _responds(self) -> bool:
        """Does the kernel answer a request within the grace period after an interrupt?"""
        from queue import Empty

        from nbclient.util import ensure_async

        msg_id = self.kc.kernel_info()
        deadline = time.monotonic() + self.restart_grace
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                reply = await ensure_async(self.kc.get_shell_msg(timeout=remaining))
            except Empty:
                return False
            if reply["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    async def _restart(self, upto: int) -> None:
        """A fresh kernel in the same sandbox, with the cells before ``upto`` run again (outputs discarded)."""
        from nbclient.util import ensure_async

        await ensure_async(self.km.restart_kernel(now=True))
        self.kc.stop_channels()
        self.kc = self.km.client()
        await ensure_async(self.kc.start_channels())
        await self.kc.wait_for_ready(timeout=self.startup_timeout)
        for index, earlier in enumerate(self.nb.cells[:upto]):
            failed = any(o.get("ename") in (TIMEOUT_ERROR, KERNEL_STOPPED) for o in earlier.get("outputs", []))
            if earlier.cell_type != "code" or is_test_cell(earlier) or failed:
                continue
            replay = copy.deepcopy(earlier)
            try:
                await super().async_execute_cell(replay, index, store_history=False)
            except DeadKernelError:
                await ensure_async(self.km.restart_kernel(now=True))
                self.kc.stop_channels()
                self.kc = self.km.client()
                await ensure_async(self.kc.start_channels())
                await self.kc.wait_for_ready(timeout=self.startup_timeout)

    def _cell_named(self, execution_count: int) -> str:
        for index, cell in enumerate(self.nb.cells):
            if cell.get("execution_count") == execution_count and cell.cell_type == "code":
                return self._where(cell, index)
        return "a cell"

    def _verdicts(self, cell, grade_id: str) -> tuple[list[tuple[bool, str, list[str], str, float | None]],
                                                       list[NotebookNode]]:
        """The verdicts in ``cell`` signed with the kernel's secret, and findings from what they report."""
        km = self.km or self._kernel_manager
        key = km.judge_key if km is not None else b""
        verdicts, findings = [], []
        for output in cell.get("outputs", []):
            content = (output.get("data") or {}).get(judge.VERDICT_MIME)
            if not isinstance(content, dict) or content.get("grade_id") != grade_id:
                continue
            passed, message = content.get("passed") is True, str(content.get("message", ""))
            restored = [str(r) for r in content.get("restored", [])]
            attempts = [[int(a[0]), str(a[1])] for a in content.get("attempts", []) if isinstance(a, list)
                        and len(a) == 2 and isinstance(a[0], int)]
            printed = str(content.get("printed", ""))
            score = content.get("score")
            token = str(content.get("token", ""))
            if not key or not hmac.compare_digest(str(content.get("signature", "")), judge.signature(
                    key, grade_id, passed, message, restored, attempts, printed, score, token)):
                continue
            if not hmac.compare_digest(token, self._tokens.get(grade_id, "")):
                continue  # signed, but not by the run the grader called (the notebook replaced it)
            verdicts.append((passed, message, restored, printed, score))
            for count, text in attempts:
                findings.append(self._note(f"{self._cell_named(count)} {text}",
                                               "blocked by the grading sandbox"))
            if restored:
                findings.append(self._note(f"before {grade_id}, the notebook had changed {', '.join(restored)}",
                                               "put back before the tests ran"))
        return verdicts, findings

    def _judge(self, cell, cut_short: bool) -> None:
        """The test cell's outputs become its verdict: nothing (passed) or one error; anything else is noted."""
        grade_id = _grade_id(cell)
        verdicts, reported = self._verdicts(cell, grade_id)
        findings = [o for o in cell.outputs if id(o) in self._mine] + reported
        if cut_short:
            outputs = [error_output(TIMEOUT_ERROR, "the tests ran past the time limit")]
        elif verdicts:
            passed, message, _, printed, score = verdicts[-1]
            ename, _, evalue = message.partition(": ")
            # what the test printed for the trainee (a graded scenario's path), then the verdict: an error, or a
            # partial score as the cell's result, which is how nbgrader reads partial credit
            outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)] if printed else []
            if not passed:
                outputs.append(error_output(ename or "AssertionError", evalue))
            elif score is not None:
                outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": repr(score)},
                                                      execution_count=cell.get("execution_count")))
            if ename == judge.UNTRUSTED:
                findings.append(self._note(f"{grade_id}: the answer was an object made to pass any comparison",
                                               "the tests refused it: 0 points for this cell"))
        else:
            outputs = [error_output(TEST_DID_NOT_RUN, "the tests of this question did not run to the end")]
            findings.append(self._note(f"the tests of {grade_id} did not run: the notebook changed how cells run",
                                           "0 points for this cell"))
        cell.outputs = outputs + findings

    def _clean_outputs(self, cell) -> None:
        quoted = False
        for output in cell.get("outputs", []):
            for container, key in list(_text_fields(output)):
                text = container[key]
                if isinstance(text, list):
                    text = "".join(text)
                for line in self._hidden:
                    if line in text:
                        text, quoted = text.replace(line, HIDDEN_REMOVED), True
                if len(text) > self.output_limit:
                    text = (text[: self.output_limit]
                            + f"\n[... output cut: {len(text) - self.output_limit} more characters not shown]\n")
                container[key] = text
        if quoted:
            cell.outputs.append(self._note(f"{_grade_id(cell) or 'a cell'} printed hidden test code",
                                               "removed from the outputs"))
        for output in cell.get("outputs", []):
            missing = MISSING_NAME.search(str(output.get("evalue", ""))) if output.get("ename") == "NameError" else None
            if missing and missing.group(1) in self._test_names:
                cell.outputs.append(self._note(
                    f"{_grade_id(cell) or 'a cell'} tried to use {missing.group(1)}, a value of the tests",
                    "the tests keep their values to themselves"))
                break


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


def points_in_words(score: float, max_score: float) -> str:
    """``2 of 3 points``, ``0.85 of 2 points``, ``1 of 1 point``."""
    return f"{round(score, 2):g} of {max_score:g} point{'' if max_score == 1 else 's'}"


def error_message(output: NotebookNode) -> str:
    """``Name: message`` of an error output, without the traceback (which quotes the test's code)."""
    return f"{output.get('ename', 'Error')}: {ANSI_ESCAPE.sub('', str(output.get('evalue', '')))}".rstrip(": ")


KIT_MARKING = re.compile(r"^mark_(scenario|knowledge|record)$")


def kit_marking_call(source: str) -> bool:
    """Is this test one of the kit's marking calls (``graded.mark_scenario(...)``, ``check.mark_knowledge(...)``)?"""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Call) and KIT_MARKING.match(getattr(node.func, "attr", None)
                                                                  or getattr(node.func, "id", ""))
               for node in ast.walk(tree))


class HideTestSource(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            if cell.get("metadata", {}).get(MARK_SCHEME_KEY, {}).get("mark_scheme"):
                continue
            if cell.cell_type == "code":  # grading notes are for the trainer's integrity report only
                cell.outputs = [o for o in cell.get("outputs", []) if FINDING_MIME not in (o.get("data") or {})]
            if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
                grade_id = _grade_id(cell)
                errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                marked_by_the_kit = kit_marking_call(cell.source)
                cell.source = f"# Tests for {grade_id} (the test code is not shown)"
                score, max_score = utils.determine_grade(cell)  # nbgrader's own rule, so the two always agree
                # What a test printed for the trainee stays: the kit's marking prints a graded answer's path and
                # debrief, right or wrong. Other tests print nothing of their own, so what a failed one printed came
                # from the trainee's code while the tests ran (it could have read the tests' expected values).
                passed = score is not None and score >= max_score
                printed = _printed(cell) if passed or marked_by_the_kit else ""
                outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)] if printed else []
                if errors and (score is None or score < max_score):
                    message = PLAIN_REASONS.get(errors[-1].get("ename"), error_message(errors[-1]))
                    outputs.append(nbformat.v4.new_output("stream", name="stderr",
                                                          text=f"✘ Not passed. {message}\n"))
                elif score is None or score < max_score:
                    outputs.append(nbformat.v4.new_output("stream", name="stdout", text=(
                        f"{'◐ Partly right:' if score else '✘ Not passed.'} {points_in_words(score or 0, max_score)} "
                        "for this question.\n")))
                elif not printed:
                    outputs.append(nbformat.v4.new_output("stream", name="stdout", text="✔ All tests passed.\n"))
                cell.outputs = outputs
            cells.append(cell)
        nb.cells = cells
        return nb, resources
