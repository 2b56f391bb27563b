"""The pre/post knowledge check: one multiple-choice item per lesson objective and form, answered by clicking.

Items live in ``data/knowledge/items.yaml`` (schema ``knowledge.schema.json``): each names the lesson objective it
serves, its form (``pre`` or ``post``: different items for the same objectives), the options each with why it is
right or wrong, and the right option. The assignments ``exercises/knowledge_pre`` and ``exercises/knowledge_post``
are generated from the file (``python -m frontline.knowledge`` rewrites them; ``frontline check`` fails when they
are stale): one widget cell and one hidden one-point test per item, whose nbgrader grade id is the item id, so the
gradebook can be read per objective. A click is recorded like a graded scenario's (``frontline.responses``) and
marked by replay (``frontline.scenarios.graded.mark_record``); no answer is shown before the assignment is graded.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from frontline.kit import KitPaths, find_kit_root
from frontline.problems import ContentError, Problem

FORMS = ("pre", "post")
SCHEMA = Path(__file__).with_name("knowledge.schema.json")
ITEMS_FILE = Path("data") / "knowledge" / "items.yaml"


@dataclass(frozen=True)
class KnowledgeItem:
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def form(self) -> str:
        return self.data["form"]

    @property
    def objective(self) -> tuple[str, int]:
        return self.data["objective"]["lesson"], int(self.data["objective"]["index"])

    @property
    def record_item(self) -> str:
        return f"knowledge/{self.id}"


def _items_path(root: Path | None) -> Path:
    return (root or find_kit_root()) / ITEMS_FILE


def check_items_file(file: Path, lessons: dict[str, list[str]] | None) -> tuple[list[KnowledgeItem], list[Problem]]:
    """Read and validate the items file; ``lessons`` maps lesson id → objectives (None skips coverage checks)."""
    from jsonschema import Draft202012Validator

    from frontline.yamlsource import read_yaml

    try:
        located = read_yaml(file)
    except ContentError as e:
        return [], e.problems
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    problems = [located.problem(list(error.path), error.message)
                for error in Draft202012Validator(schema).iter_errors(located.data)]
    if problems:
        return [], problems
    items = [KnowledgeItem(d) for d in located.data["items"]]
    seen: dict[str, int] = {}
    questions: dict[str, int] = {}
    for index, item in enumerate(items):
        where = ("items", index)
        if item.id in seen:
            problems.append(located.problem((*where, "id"),
                                            f"item id {item.id!r} is used twice (also item {seen[item.id]})"))
        seen.setdefault(item.id, index)
        text = " ".join(item.data["question"].split()).lower()
        if text in questions:
            problems.append(located.problem((*where, "question"), f"the same question as item {questions[text]}; "
                                            "pre and post must use different items"))
        questions.setdefault(text, index)
        option_ids = [o["id"] for o in item.data["options"]]
        if len(set(option_ids)) != len(option_ids):
            problems.append(located.problem((*where, "options"), "option ids must differ"))
        if item.data["answer"] not in option_ids:
            problems.append(located.problem((*where, "answer"), f"{item.data['answer']!r} is not one of the options "
                                            f"({', '.join(option_ids)})"))
        else:
            lengths = {o["id"]: len(o["text"]) for o in item.data["options"]}
            right = lengths[item.data["answer"]]
            others = max(v for k, v in lengths.items() if k != item.data["answer"])
            if right > 1.3 * others + 10:
                problems.append(located.problem((*where, "options"), "the right option is much longer than every "
                                                "other, so its length gives it away; shorten it or lengthen others"))
        if lessons is not None:
            lesson, number = item.objective
            if lesson not in lessons:
                problems.append(located.problem((*where, "objective", "lesson"), f"no lesson {lesson!r}"))
            elif not 1 <= number <= len(lessons[lesson]):
                problems.append(located.problem((*where, "objective", "index"), f"lesson {lesson} has "
                                                f"{len(lessons[lesson])} objectives; {number} is not one of them"))
    if lessons is not None:
        for lesson, objectives in sorted(lessons.items()):
            for number, objective in enumerate(objectives, 1):
                for form in FORMS:
                    if not any(i.objective == (lesson, number) and i.form == form for i in items):
                        problems.append(Problem(file, f"no {form} item for objective {number} of {lesson} "
                                                f"({objective!r})", field="items"))
    return items, problems


def load_items(root: Path | None = None) -> list[KnowledgeItem]:
    """The valid items (a ``ContentError`` naming file, line and field otherwise); coverage is checked elsewhere."""
    items, problems = check_items_file(_items_path(root), None)
    if problems:
        raise ContentError(problems)
    return items


def find_item(item_id: str, root: Path | None = None) -> KnowledgeItem:
    for item in load_items(root):
        if item.id == item_id:
            return item
    raise KeyError(f"no knowledge-check item {item_id!r} in {ITEMS_FILE}")


class KnowledgeQuestion:
    """The engine of one item: ``choose(option)``, then ``submit()`` gives the verdict and every option's why."""

    learner_verbs: ClassVar[tuple[str, ...]] = ("choose",)

    def __init__(self, item: KnowledgeItem):
        self.item = item
        self.data = item.data
        self.chosen: str | None = None

    def choose(self, option_id: str) -> None:
        options = [o["id"] for o in self.data["options"]]
        if not isinstance(option_id, str) or option_id not in options:
            raise ValueError(f"{option_id!r} is not one of the options")
        self.chosen = option_id

    def submit(self):
        from frontline.scenarios.feedback import Feedback, incomplete

        if self.chosen is None:
            return incomplete("no option was chosen.")
        options = {o["id"]: o for o in self.data["options"]}
        right = self.data["answer"]
        picked = options[self.chosen]
        messages = [f"{'✔' if self.chosen == right else '✘'} You chose “{picked['text']}”: {picked['why']}"]
        if self.chosen != right:
            messages.append(f"The best answer is “{options[right]['text']}”: {options[right]['why']}")
        return Feedback(1.0 if self.chosen == right else 0.0, messages)


def mark_knowledge(item_id: str, folder: Path | str | None = None) -> float:
    """The hidden test of an item: 1 point for a recorded click on the right option, else 0, with the why."""
    from frontline.scenarios.graded import mark_record

    try:
        item = find_item(item_id)
    except (KeyError, ContentError) as e:
        print(f"This question could not be loaded ({e}); ask your trainer.\nPoints: 0 of 1")
        return 0.0
    return mark_record(item_id, item.record_item, lambda: KnowledgeQuestion(item), 1.0, folder,
                       title=f"Question: {item.data['question']}")


def knowledge_question(item_id: str, folder: Path | str | None = None):
    """The item as a widget: the question, labelled options, and a line saying the click is saved."""
    import ipywidgets as w

    from frontline.scenarios.graded import RecordedPlay

    item = find_item(item_id)
    engine = KnowledgeQuestion(item)
    play = RecordedPlay(engine, item_id, item.record_item, folder)
    status = w.HTML()

    def show_status() -> None:
        saved = "Your answer is saved." if engine.chosen else "Not answered yet."
        status.value = (f'<p role="status">{saved} You see whether it was right when the check is marked.</p>')

    play.on_change = show_status  # type: ignore[method-assign]
    choices = w.RadioButtons(options=[(o["text"], o["id"]) for o in item.data["options"]], value=engine.chosen,
                             description="Your answer", style={"description_width": "initial"},
                             layout=w.Layout(width="auto"))
    choices.observe(lambda change: change["new"] and engine.choose(change["new"]), names="value")
    show_status()
    return w.VBox([w.HTML(f"<p><strong>{html.escape(item.data['question'])}</strong></p>"), choices, status])


# ----- the generated assignments -------------------------------------------------------------------------------
HOW_TO_ANSWER = ("Start with *Run → Run All Cells* to show the questions, then answer each one by clicking the "
                 "option you think is best. There is nothing to type. Your answers are saved as you click, and you "
                 "can change them until you hand in the check. ")
INTRO = {
    "pre": ("# Knowledge check: before the course\n\n" + HOW_TO_ANSWER
            + "It is fine not to know yet: this check shows your trainer where the course should spend its time, "
            "and you see the answers after it is marked."),
    "post": ("# Knowledge check: after the course\n\n" + HOW_TO_ANSWER
             + "The questions are new, but they cover the same aims as the check you took before the course."),
}


def knowledge_notebook(form: str, items: list[KnowledgeItem], lesson_titles: dict[str, str]):
    """The nbgrader source notebook of one form: a widget cell and a hidden one-point test per item."""
    import nbformat

    cells = [nbformat.v4.new_markdown_cell(INTRO[form])]
    setup = nbformat.v4.new_code_cell("import frontline.knowledge as check")
    setup.metadata["jupyter"] = {"source_hidden": True}
    cells.append(setup)
    chosen = sorted((i for i in items if i.form == form), key=lambda i: (i.objective, i.id))
    current = None
    for number, item in enumerate(chosen, 1):
        lesson = item.objective[0]
        if lesson != current:
            cells.append(nbformat.v4.new_markdown_cell(f"## {lesson_titles.get(lesson, lesson)}"))
            current = lesson
        ask = nbformat.v4.new_code_cell(f'check.knowledge_question("{item.id}")')
        ask.metadata["jupyter"] = {"source_hidden": True}
        cells.append(ask)
        test = nbformat.v4.new_code_cell(
            f"# Question {number} is marked here when the check is graded.\n"
            f"### BEGIN HIDDEN TESTS\ncheck.mark_knowledge(\"{item.id}\")\n### END HIDDEN TESTS")
        test.metadata["nbgrader"] = {"grade": True, "grade_id": item.id, "locked": True, "points": 1,
                                     "schema_version": 3, "solution": False, "task": False}
        test.metadata["jupyter"] = {"source_hidden": True}
        cells.append(test)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{form}-{index:03d}"
    return notebook


def notebook_path(root: Path, form: str) -> Path:
    return root / "exercises" / f"knowledge_{form}" / f"knowledge_{form}.ipynb"


def _lessons(root: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    from frontline.lessons.metadata import load_lessons

    lessons = [lesson for lesson in load_lessons(root / "notebooks") if 1 <= lesson.number <= 9]
    return ({lesson.id: list(lesson.objectives) for lesson in lessons},
            {lesson.id: f"Lesson {lesson.number}: {lesson.title}" for lesson in lessons})


def check_knowledge(paths: KitPaths) -> list[Problem]:
    """The ``knowledge`` checker: the items file, objective coverage, and the two assignments in step with it."""
    import nbformat

    objectives, titles = _lessons(paths.root)
    items, problems = check_items_file(paths.root / ITEMS_FILE, objectives)
    if problems:
        return problems
    for form in FORMS:
        path = notebook_path(paths.root, form)
        wanted = knowledge_notebook(form, items, titles)
        try:
            stored = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as e:
            problems.append(Problem(path, f"cannot be read ({e}); run `python -m frontline.knowledge`"))
            continue
        if [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in stored.cells] != \
                [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in wanted.cells]:
            problems.append(Problem(path, f"is out of step with {ITEMS_FILE}; run `python -m frontline.knowledge`"))
    return problems


def write_notebooks(root: Path) -> list[Path]:
    import nbformat

    _, titles = _lessons(root)
    items = load_items(root)
    written = []
    for form in FORMS:
        path = notebook_path(root, form)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(knowledge_notebook(form, items, titles), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_notebooks(find_kit_root()):
        print(f"wrote {written}")
