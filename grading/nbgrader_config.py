# nbgrader settings of the Frontline course, for trainers (`frontline grade ...`, `nbgrader`, the formgrader).
#
# The course folder (releases, submissions, autograded copies, feedback, gradebook.db) is FRONTLINE_COURSE, or
# .frontline/course inside the kit; its `source` links to the kit's exercises/ folder. The exchange is the same
# per-user folder `frontline lab` uses for trainees (FRONTLINE_EXCHANGE overrides it), with course id "frontline".
import os
from functools import partial
from pathlib import Path

from frontline.grading.autograde import inspect_before_grading, report_after_grading
from frontline.grading.course import COURSE_ID, course_root_from_environment, prepare_course_folder
from frontline.grading.preprocessors import (
    HideTestSource,
    InsertMarkScheme,
    IsolatedExecute,
    RestoreStrippedMetadata,
    SafeOverwriteCells,
)
from frontline.grading.sanitize import SanitizeTraineeContent
from frontline.hub.exchange import shared_exchange_enabled
from frontline.kit import configure_exchange

c = get_config()  # noqa: F821 - provided by the traitlets config loader

KIT = Path(__file__).resolve().parents[1]
COURSE = course_root_from_environment(KIT)
prepare_course_folder(COURSE, KIT)

c.CourseDirectory.root = str(COURSE)
c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.source_directory = "source"  # a link to the kit's exercises/
configure_exchange(c)
if not shared_exchange_enabled():  # the shared exchange's OwnerCheckedCollect refuses links as well
    c.ExchangeFactory.collect = "frontline.hub.exchange.LinkRefusingCollect"  # a link could reach your files

# Student code runs with a short leash: a cell that runs longer is interrupted and marked as failed, and the
# rest of the notebook still runs. FRONTLINE_CELL_TIMEOUT (seconds) overrides it.
c.Execute.timeout = int(os.environ.get("FRONTLINE_CELL_TIMEOUT", "20"))
c.Execute.interrupt_on_timeout = True

# Every submission runs in its own sandbox (bubblewrap; see frontline.grading.sandbox and docs/trainer.md): no
# network, no view of exercises/, grading/ or the course folder, and these limits per grading kernel.
c.SandboxKernelManager.memory_mb = int(os.environ.get("FRONTLINE_GRADE_MEMORY_MB", "2048"))
c.SandboxKernelManager.processes = 64
c.SandboxKernelManager.file_mb = 64
c.IsolatedExecute.output_limit = 10_000  # characters kept of each output in graded notebooks and feedback

# Deleted test or answer cells come back from the gradebook, so a deletion costs that question, not the notebook.
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "This cell ({cell_id}) was missing from the submission and was restored for grading.\n\n"
)

# Late work: nbgrader compares each submission's time (timestamp.txt, written by collect and by the LMS import)
# with the assignment's due date (`frontline grade collect --due`). "none" records lateness without a penalty;
# "zero" gives late work 0 points. FRONTLINE_LATE_PENALTY overrides it.
c.LateSubmissionPlugin.penalty_method = os.environ.get("FRONTLINE_LATE_PENALTY", "none")

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograde: repair stripped metadata, restore missing cells safely, then show each manually graded answer's
# mark scheme (from grading/rubrics/) to graders in the formgrader.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    RestoreStrippedMetadata,
    SafeOverwriteCells,
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    IsolatedExecute,  # nbgrader's Execute in a sandbox, with test cells judged apart from the trainee's code
    SanitizeTraineeContent,  # nothing a trainee wrote or displayed may run script in the grader's browser
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
    InsertMarkScheme,
]
c.RestoreStrippedMetadata.release_root = str(COURSE / "release")
# When nbgrader grades by itself (the formgrader's Autograde button, `nbgrader autograde`), each submission is
# inspected before nbgrader copies its files (links and special files moved out of it) and its integrity entries
# still go into reports/<assignment>/integrity.csv (`frontline grade autograde` does both itself).
c.Autograde.pre_convert_hook = partial(inspect_before_grading, str(KIT), str(COURSE))
c.Autograde.post_convert_hook = partial(report_after_grading, str(KIT), str(COURSE))
c.InsertMarkScheme.rubrics_dir = str(KIT / "grading" / "rubrics")
c.SafeOverwriteCells.add_missing_cells = True

# The formgrader (on the hub's origin, signed in as the grader) renders outputs through nbconvert's sanitiser too.
c.HTMLExporter.sanitize_html = True

# Feedback shows results and messages, never the source of (hidden) tests nor the mark schemes.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    HideTestSource,
]
