"""Graded scenarios marked by the grader itself: the saved clicks replayed in a process that never ran trainee code.

A graded scenario's answer is data (``responses/<item-id>.json``, see :mod:`frontline.responses`), so it does not
need the trainee's kernel to be marked. During autograde, ``preprocessors.IsolatedExecute`` finds each test cell
whose whole code is one ``mark_scenario(...)`` call with literal arguments (:func:`scenario_call`; any other test
is left to the kernel), and before the kernel starts, :func:`replay_in_sandbox` marks all of them in one
``python -m frontline.grading.replay`` process, under the same bubblewrap and limits as a grading kernel
(:func:`frontline.grading.sandbox.sandbox_command`). It is handed only copies of the answer files (regular files,
never through a link, cut just past the size any real record has) and the calls; it answers with the points, the
text the trainee reads and what was wrong with each file. Those points are what nbgrader records for the cell.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from frontline.responses import ITEM_ID, MAX_RECORD_BYTES, RESPONSES_FOLDER

MARKING_FUNCTIONS = {"mark_scenario", "graded.mark_scenario", "frontline.scenarios.graded.mark_scenario"}
PARAMETERS = ("item_id", "scenario_id", "points", "persona")
PRINTED_LIMIT = 10_000  # as much of the replay's text as the kernel's judge keeps of what a test prints
_NOFOLLOW = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class ScenarioCall:
    """A hidden test that marks one graded scenario: ``mark_scenario(item_id, scenario_id, points, persona)``."""

    item_id: str
    scenario_id: str
    points: float
    persona: str | None = None

    @property
    def record(self) -> str:
        return f"{RESPONSES_FOLDER}/{self.item_id}.json"


@dataclass(frozen=True)
class Marked:
    """What the replay gave one call: the points, the text the trainee reads, and what was wrong with the file."""

    points: float
    printed: str
    problem: str = ""


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def scenario_call(source: str) -> ScenarioCall | None:
    """The call, when ``source`` is exactly one ``mark_scenario(...)`` call with literal arguments; else None."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr) or not isinstance(tree.body[0].value, ast.Call):
        return None
    call = tree.body[0].value
    if _dotted(call.func) not in MARKING_FUNCTIONS or len(call.args) > len(PARAMETERS):
        return None
    if any(k.arg not in PARAMETERS for k in call.keywords):  # ``**extra`` has no name; folder= is not replayed
        return None
    try:
        values = dict(zip(PARAMETERS, (ast.literal_eval(a) for a in call.args), strict=False))
        named = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if set(named) & set(values):
        return None
    values.update(named)
    item_id, scenario_id, points = values.get("item_id"), values.get("scenario_id"), values.get("points")
    persona = values.get("persona")
    if not (isinstance(item_id, str) and ITEM_ID.match(item_id) and isinstance(scenario_id, str)
            and type(points) in (int, float) and math.isfinite(points) and points >= 0
            and (persona is None or isinstance(persona, str))):
        return None
    return ScenarioCall(item_id, scenario_id, float(points), persona)


# ---- the grader's side ------------------------------------------------------------------------------------------

def scenario_calls_in(notebook: Path) -> list[ScenarioCall]:
    """The graded-scenario marking calls of a notebook file's code cells, in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    calls = (scenario_call("".join(cell["source"])) for cell in cells if cell["cell_type"] == "code")
    return [call for call in calls if call is not None]


def _copy_record(sources: list[Path], item_id: str, target: Path) -> None:
    """The answer file of ``item_id`` from the last source holding it as a regular file, copied without following
    a link and cut just past ``MAX_RECORD_BYTES`` (so the replay still refuses it as too large, unread)."""
    for source in reversed(sources):
        try:
            folder = os.open(source / RESPONSES_FOLDER, _NOFOLLOW | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            handle = os.open(f"{item_id}.json", _NOFOLLOW, dir_fd=folder)
        except OSError:
            continue
        finally:
            os.close(folder)
        with os.fdopen(handle, "rb") as reading:
            if not stat.S_ISREG(os.fstat(reading.fileno()).st_mode):
                continue
            data = reading.read(MAX_RECORD_BYTES + 1)
        (target / RESPONSES_FOLDER).mkdir(parents=True, exist_ok=True)
        (target / RESPONSES_FOLDER / f"{item_id}.json").write_bytes(data)
        return


def _failed(calls: list[ScenarioCall], reason: str) -> list[Marked]:
    return [Marked(0.0, f"This question could not be marked automatically: ask your trainer.\n"
                        f"Points: 0 of {call.points:g}\n", f"the grader's replay of {call.record} failed ({reason})")
            for call in calls]


def replay_in_sandbox(calls: list[ScenarioCall], sources: list[Path], memory_mb: int = 2048, processes: int = 64,
                      file_mb: int = 64, timeout: float = 120, scratch_root: str | None = None) -> list[Marked]:
    """Mark ``calls`` in one sandboxed process from the answer files in ``sources`` (later ones win)."""
    from frontline.grading.sandbox import NOBODY, require_tools, sandbox_command

    if not calls:
        return []
    require_tools()
    workdir = Path(tempfile.mkdtemp(prefix="frontline-replay-", dir=scratch_root))
    runtime = Path(tempfile.mkdtemp(prefix="frontline-replay-run-", dir=scratch_root))
    try:
        for call in calls:
            _copy_record(sources, call.item_id, workdir)
        # the trainee's answers are readable by the sandbox's own user only (when grading as root, that user;
        # otherwise the grader, who runs the sandbox), never by the machine's other accounts
        for path in (workdir, runtime, *workdir.rglob("*")):
            if os.getuid() == 0:
                os.lchown(path, NOBODY, NOBODY)
            path.chmod(0o700 if path.is_dir() else 0o600)
        command = sandbox_command([sys.executable, "-m", "frontline.grading.replay"], workdir, runtime,
                                  memory_mb, processes, file_mb, NOBODY)
        request = json.dumps([asdict(call) for call in calls])
        try:
            done = subprocess.run(command, input=request, capture_output=True, text=True, timeout=timeout,
                                  cwd=runtime, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                                    "LANG": "C.UTF-8"})
        except subprocess.TimeoutExpired:
            return _failed(calls, f"it took more than {timeout:g} seconds")
        return _read_answer(calls, done)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)


def _read_answer(calls: list[ScenarioCall], done: subprocess.CompletedProcess) -> list[Marked]:
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if done.returncode == 0 and lines else None
        marked = [Marked(float(a["points"]), str(a["printed"]), str(a["problem"])) for a in answer]
    except (TypeError, KeyError, ValueError, json.JSONDecodeError):
        marked = []
    if len(marked) != len(calls) or not all(0 <= m.points <= c.points for m, c in zip(marked, calls, strict=False)):
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1][:300]
        return _failed(calls, last)
    return marked


# ---- inside the sandbox -----------------------------------------------------------------------------------------

def mark(call: ScenarioCall, folder: Path) -> Marked:
    """Replay one call's record in ``folder`` exactly as the hidden test would, and note a record it refused."""
    from frontline.responses import RecordError, read_record, record_path
    from frontline.scenarios.graded import mark_scenario

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        points = mark_scenario(call.item_id, call.scenario_id, call.points, persona=call.persona, folder=folder)
    problem = ""
    path = record_path(call.item_id, folder)
    if path.exists():
        try:
            read_record(path, call.scenario_id)
        except RecordError as e:
            problem = f"{call.record}: {e}"
    return Marked(float(points), printed.getvalue()[:PRINTED_LIMIT], problem)


def main() -> None:
    """Read the calls (JSON) on standard input, mark each from the working folder, answer one line of JSON."""
    calls = [ScenarioCall(**c) for c in json.loads(sys.stdin.read())]
    answer = sys.stdout
    with contextlib.redirect_stdout(io.StringIO()):  # nothing but the answer reaches the grader's reading
        marked = [mark(call, Path.cwd()) for call in calls]
    answer.write(json.dumps([asdict(m) for m in marked]) + "\n")


if __name__ == "__main__":
    main()
