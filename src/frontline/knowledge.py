"""The pre/post knowledge check: one multiple-choice item per lesson objective and form, answered by clicking.

The questions live in ``data/knowledge/items.yaml`` (schema ``knowledge.schema.json``): each names the lesson
objective it serves, its form (``pre`` or ``post``: different items for the same objectives) and its options. That
file is all a trainee's kernel loads, so it holds no answer. The answer key, ``grading/knowledge/key.yaml`` (schema
``knowledge_key.schema.json``), gives each item's right option and why every option is or is not the best; it stays
under ``grading/``, which trainees cannot read on a hub. The assignments ``exercises/knowledge_pre`` and
``exercises/knowledge_post`` are generated from both files (``python -m frontline.knowledge`` rewrites them;
``frontline check`` fails when they are stale): one widget cell and one hidden one-point test per item, whose
nbgrader grade id is the item id, so the gradebook can be read per objective. The hidden test carries the item's
key (``mark_knowledge(item_id, answer=..., why=...)``) and nbgrader never releases it. A click is recorded like a
graded scenario's (``frontline.responses``) and marked by replay (``frontline.scenarios.graded.mark_record``); no
answer is shown before the assignment is graded, and the whys reach the trainee only in the graded feedback.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from frontline.kit import KitPaths, find_kit_root
from frontline.option_form import (
    MAX_ABSOLUTE_PICK_RATE,
    MAX_LONGEST_RATIO,
    MAX_MEAN_RATIO,
    MIN_WHY_WORDS,
    absolute_word_pick_rates,
    length_ratios,
    word_count,
)
from frontline.problems import ContentError, Problem

if TYPE_CHECKING:
    from frontline.yamlsource import LocatedData

FORMS = ("pre", "post")
SCHEMA = Path(__file__).with_name("knowledge.schema.json")
KEY_SCHEMA = Path(__file__).with_name("knowledge_key.schema.json")
ITEMS_FILE = Path("data") / "knowledge" / "items.yaml"
KEY_FILE = Path("grading") / "knowledge" / "key.yaml"
# A trainee who always picks the longest option, or always the shortest, should score about chance: in each form
# the right option may be the longest (in words, and in characters) in at most this share of the items, and the
# shortest in at most as many.
MAX_LENGTH_PICK_RATE = 0.4
LENGTH_MEASURES: dict[str, Callable[[str], int]] = {"words": word_count, "characters": len}


@dataclass(frozen=True)
class KnowledgeItem:
    """An item as trainees see it: question and option texts, no answer."""

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

    @property
    def option_ids(self) -> list[str]:
        return [o["id"] for o in self.data["options"]]

    def text(self, option_id: str) -> str:
        return next(o["text"] for o in self.data["options"] if o["id"] == option_id)


@dataclass(frozen=True)
class ItemKey:
    """The trainer-only part of an item: its right option and why each option is or is not the best."""

    answer: str
    why: Mapping[str, str]


def _items_path(root: Path | None) -> Path:
    return (root or find_kit_root()) / ITEMS_FILE


def _schema_problems(file: Path, schema: Path) -> tuple[LocatedData | None, list[Problem]]:
    """(located data, schema problems), or (None, problems) when the file cannot be read as YAML."""
    from jsonschema import Draft202012Validator

    from frontline.yamlsource import read_yaml

    try:
        located = read_yaml(file)
    except ContentError as e:
        return None, e.problems
    validator = Draft202012Validator(json.loads(schema.read_text(encoding="utf-8")))
    return located, [located.problem(list(error.path), error.message) for error in validator.iter_errors(located.data)]


def check_items_file(file: Path, lessons: dict[str, list[str]] | None) -> tuple[list[KnowledgeItem], list[Problem]]:
    """Read and validate the items file; ``lessons`` maps lesson id → objectives (None skips coverage checks)."""
    located, problems = _schema_problems(file, SCHEMA)
    if located is None or problems:
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
        if len(set(item.option_ids)) != len(item.option_ids):
            problems.append(located.problem((*where, "options"), "option ids must differ"))
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


def length_pick_rates(items: list[KnowledgeItem], keys: Mapping[str, ItemKey],
                      measure: Callable[[str], int]) -> dict[str, float]:
    """What a trainee scores by always picking the longest option, or always the shortest (a random one of several
    tied), as a share of ``items``; about one in three options is chance."""
    scores = {"longest": 0.0, "shortest": 0.0}
    for item in items:
        lengths = {o["id"]: measure(o["text"]) for o in item.data["options"]}
        for strategy, pick in (("longest", max), ("shortest", min)):
            picked = [option for option, n in lengths.items() if n == pick(lengths.values())]
            if keys[item.id].answer in picked:
                scores[strategy] += 1 / len(picked)
    return {strategy: score / len(items) if items else 0.0 for strategy, score in scores.items()}


def absolute_pick_rates(items: list[KnowledgeItem], keys: Mapping[str, ItemKey]) -> dict[str, float]:
    """What a trainee scores on ``items`` by avoiding, or by seeking, options with an absolute word ("only",
    "never", ...): see :func:`frontline.option_form.absolute_word_pick_rates`."""
    return absolute_word_pick_rates(
        (item.text(keys[item.id].answer), [item.text(o) for o in item.option_ids if o != keys[item.id].answer])
        for item in items)


def check_key_file(file: Path, items: list[KnowledgeItem], items_file: Path) -> tuple[dict[str, ItemKey],
                                                                                       list[Problem]]:
    """Read and validate the answer key against the (valid) items: one entry per item, the answer one of its
    options, a why for every option, and no right option that stands out by its length."""
    from frontline.yamlsource import read_yaml

    located, problems = _schema_problems(file, KEY_SCHEMA)
    if located is None or problems:
        return {}, problems
    entries = located.data["key"]
    by_id = {item.id: item for item in items}
    for item_id in entries:
        if item_id not in by_id:
            problems.append(located.problem(("key", item_id), f"there is no item {item_id!r} in {ITEMS_FILE}"))
    keys: dict[str, ItemKey] = {}
    for item in items:
        entry = entries.get(item.id)
        if entry is None:
            problems.append(located.problem(("key",), f"item {item.id!r} of {ITEMS_FILE} has no answer here"))
            continue
        where = ("key", item.id)
        options = item.option_ids
        fine = True
        if entry["answer"] not in options:
            problems.append(located.problem((*where, "answer"), f"{entry['answer']!r} is not one of the options of "
                                            f"item {item.id!r} ({', '.join(options)})"))
            fine = False
        for option in options:
            if option not in entry["why"]:
                problems.append(located.problem((*where, "why"), f"item {item.id!r}: no why for option {option!r}"))
                fine = False
        for option, why in entry["why"].items():
            if option not in options:
                problems.append(located.problem((*where, "why", option), f"item {item.id!r} has no option "
                                                f"{option!r} ({', '.join(options)})"))
                fine = False
            elif word_count(why) < MIN_WHY_WORDS:
                problems.append(located.problem((*where, "why", option), f"item {item.id!r}: says too little to "
                                                f"explain why ({word_count(why)} words; at least {MIN_WHY_WORDS})"))
        if fine:
            keys[item.id] = ItemKey(entry["answer"], dict(entry["why"]))
    if problems:
        return keys, problems
    items_located = read_yaml(items_file)
    for index, item in enumerate(items):
        answer = keys[item.id].answer
        right = item.text(answer)
        to_mean, to_longest = length_ratios(right, [item.text(o) for o in item.option_ids if o != answer])
        if to_mean > MAX_MEAN_RATIO or to_longest > MAX_LONGEST_RATIO:
            position = item.option_ids.index(answer)
            problems.append(items_located.problem(
                ("items", index, "options", position, "text"),
                f"item {item.id!r}: the right option is a give-away by length: {word_count(right)} words, "
                f"{to_mean:.2f}× the other options' mean (at most {MAX_MEAN_RATIO}) and {to_longest:.2f}× the "
                f"longest (at most {MAX_LONGEST_RATIO}); shorten it or make the others real near-misses"))
    for form in FORMS:
        chosen = [item for item in items if item.form == form]
        for name, measure in LENGTH_MEASURES.items():
            for strategy, rate in length_pick_rates(chosen, keys, measure).items():
                if rate > MAX_LENGTH_PICK_RATE:
                    problems.append(Problem(items_file, f"in the {form} check, always picking the {strategy} option "
                                            f"(in {name}) scores {rate:.0%}, more than {MAX_LENGTH_PICK_RATE:.0%}: "
                                            f"its length gives the answer away; make the right option the {strategy} "
                                            f"in fewer items", field="items"))
        for strategy, rate in absolute_pick_rates(chosen, keys).items():
            if rate > MAX_ABSOLUTE_PICK_RATE:
                problems.append(Problem(items_file, f"in the {form} check, a trainee who {strategy}s the options with "
                                        f"an absolute word (only, never, all, ...) scores {rate:.0%}, more than "
                                        f"{MAX_ABSOLUTE_PICK_RATE:.0%}: such words give the answer away; reword the "
                                        f"options so they mark the right one no more often than a wrong one",
                                        field="items"))
    return keys, problems


def load_items(root: Path | None = None) -> list[KnowledgeItem]:
    """The valid items (a ``ContentError`` naming file, line and field otherwise); coverage is checked elsewhere."""
    items, problems = check_items_file(_items_path(root), None)
    if problems:
        raise ContentError(problems)
    return items


def load_key(root: Path | None = None) -> dict[str, ItemKey]:
    """The answer key, item id → :class:`ItemKey`, for the trainer's side (``ContentError`` when anything is off)."""
    root = root or find_kit_root()
    keys, problems = check_key_file(root / KEY_FILE, load_items(root), root / ITEMS_FILE)
    if problems:
        raise ContentError(problems)
    return keys


def find_item(item_id: str, root: Path | None = None) -> KnowledgeItem:
    for item in load_items(root):
        if item.id == item_id:
            return item
    raise KeyError(f"no knowledge-check item {item_id!r} in {ITEMS_FILE}")


class KnowledgeQuestion:
    """The engine of one item: ``choose(option)``; with the item's key, ``submit()`` gives the verdict and the whys.

    The trainee's widget has no key (it never submits); only the hidden test, which carries the key, marks."""

    learner_verbs: ClassVar[tuple[str, ...]] = ("choose",)

    def __init__(self, item: KnowledgeItem, key: ItemKey | None = None):
        self.item = item
        self.data = item.data
        self.key = key
        self.chosen: str | None = None

    def choose(self, option_id: str) -> None:
        if not isinstance(option_id, str) or option_id not in self.item.option_ids:
            raise ValueError(f"{option_id!r} is not one of the options")
        self.chosen = option_id

    def submit(self):
        from frontline.scenarios.feedback import Feedback, incomplete

        if self.key is None:
            raise RuntimeError("this question is marked only when the check is graded")
        if self.chosen is None:
            return incomplete("no option was chosen.")

        def told(option: str) -> str:
            why = self.key.why.get(option)
            return f"“{self.item.text(option)}”" + (f": {why}" if why else ".")

        right = self.key.answer
        messages = [f"{'✔' if self.chosen == right else '✘'} You chose {told(self.chosen)}"]
        if self.chosen != right:
            messages.append(f"The best answer is {told(right)}")
        return Feedback(1.0 if self.chosen == right else 0.0, messages)


def mark_knowledge(item_id: str, answer: str, why: Mapping[str, str] | None = None,
                   folder: Path | str | None = None) -> float:
    """The hidden test of an item: 1 point for a recorded click on ``answer`` (the item's right option, which only
    the hidden test knows), else 0, with each option's ``why``."""
    from frontline.scenarios.graded import mark_record

    try:
        item = find_item(item_id)
    except (KeyError, ContentError) as e:
        print(f"This question could not be loaded ({e}); ask your trainer.\nPoints: 0 of 1")
        return 0.0
    if answer not in item.option_ids:
        print(f"Question: {item.data['question']}\nThis question could not be marked: the questions changed after "
              "the check was handed out; ask your trainer.\nPoints: 0 of 1")
        return 0.0
    key = ItemKey(answer, dict(why or {}))
    return mark_record(item_id, item.record_item, lambda: KnowledgeQuestion(item, key), 1.0, folder,
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


HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is also a Python string literal


def marking_call(item: KnowledgeItem, key: ItemKey) -> str:
    """The hidden test's code: the item's key travels in it, so it is never released and never in ``data/``.

    Every line of the key starts with a quote or a name, so a printed why is never mistaken for quoted test code."""
    whys = "".join(f"        {_literal(option)}: {_literal(key.why[option])},\n" for option in item.option_ids)
    return (f"check.mark_knowledge(\n    {_literal(item.id)},\n    answer={_literal(key.answer)},\n"
            f"    why={{\n{whys}    }},\n)")


def knowledge_notebook(form: str, items: list[KnowledgeItem], keys: Mapping[str, ItemKey],
                       lesson_titles: dict[str, str]):
    """The nbgrader source notebook of one form: a widget cell and a hidden one-point test (with the key) per item."""
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
        test = nbformat.v4.new_code_cell(f"# Question {number} is marked here when the check is graded.\n"
                                         f"{HIDDEN_BEGIN}\n{marking_call(item, keys[item.id])}\n{HIDDEN_END}")
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
    """The ``knowledge`` checker: the items and key files, objective coverage, and the two assignments in step."""
    import nbformat

    objectives, titles = _lessons(paths.root)
    items, problems = check_items_file(paths.root / ITEMS_FILE, objectives)
    if problems:
        return problems
    keys, problems = check_key_file(paths.root / KEY_FILE, items, paths.root / ITEMS_FILE)
    if problems:
        return problems
    for form in FORMS:
        path = notebook_path(paths.root, form)
        wanted = knowledge_notebook(form, items, keys, titles)
        try:
            stored = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as e:
            problems.append(Problem(path, f"cannot be read ({e}); run `python -m frontline.knowledge`"))
            continue
        if [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in stored.cells] != \
                [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in wanted.cells]:
            problems.append(Problem(path, f"is out of step with {ITEMS_FILE} and {KEY_FILE}; run "
                                    "`python -m frontline.knowledge`"))
    return problems


def write_notebooks(root: Path) -> list[Path]:
    import nbformat

    _, titles = _lessons(root)
    items, keys = load_items(root), load_key(root)
    written = []
    for form in FORMS:
        path = notebook_path(root, form)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(knowledge_notebook(form, items, keys, titles), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_notebooks(find_kit_root()):
        print(f"wrote {written}")
