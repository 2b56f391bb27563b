"""``ordering``: put the steps in order, with partial credit.

The score is half the share of steps in their right place plus half the share of neighbouring steps that belong
next to each other in that order. The starting order has neither (``frontline check`` holds authors to it and the
generated shuffle is chosen so), so an untouched list scores nothing, and at least one move is needed before a
submission counts. Every step out of place is named with its own "why".
"""

from __future__ import annotations

import hashlib
import html
import itertools
from bisect import bisect_left
from itertools import combinations
from typing import Any, ClassVar

import ipywidgets as w

from frontline.scenarios.base import Scenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback
from frontline.scenarios.widgets import button, markdown


def longest_ordered_run(positions: list[int]) -> list[int]:
    """Longest increasing subsequence of ``positions`` (indices into the correct order), as those positions."""
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(positions)
    for i, value in enumerate(positions):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[k] = value
            tail_index[k] = i
        previous[i] = tail_index[k - 1] if k else -1
    run, i = [], tail_index[-1] if tail_index else -1
    while i >= 0:
        run.append(positions[i])
        i = previous[i]
    return run[::-1]


def order_credit(correct: list[str], order: list[str]) -> tuple[int, int]:
    """(steps in their right place, neighbouring pairs that are right next to each other in the right order)."""
    placed = sum(a == b for a, b in zip(order, correct, strict=True))
    following = {a: b for a, b in itertools.pairwise(correct)}
    pairs = sum(following.get(a) == b for a, b in itertools.pairwise(order))
    return placed, pairs


def order_score(correct: list[str], order: list[str]) -> float:
    placed, pairs = order_credit(correct, order)
    return 0.5 * placed / len(correct) + 0.5 * pairs / (len(correct) - 1)


class OrderingScenario(Scenario):
    kind = "ordering"
    learner_verbs: ClassVar[tuple[str, ...]] = (*Scenario.learner_verbs, "set_order", "move", "choose")

    @property
    def correct_order(self) -> list[str]:
        """The answer: the step ids in the correct order (the name says so, so nobody reads it by accident)."""
        return [s["id"] for s in self.data["steps"]]

    @property
    def step_ids(self) -> list[str]:
        """Every step id, alphabetically (gives nothing away)."""
        return sorted(self.correct_order)

    def _start_order(self) -> list[str]:
        if "start_order" in self.data:
            return list(self.data["start_order"])
        correct = self.correct_order
        shuffled = sorted(correct, key=lambda sid: hashlib.sha256(f"{self.id}:{sid}".encode()).hexdigest())
        # the first candidate that earns no credit untouched; reversing leaves no right neighbours, and one of its
        # rotations leaves no step in place either
        for base in (shuffled, correct[::-1]):
            for turn in range(len(base)):
                candidate = base[turn:] + base[:turn]
                if order_credit(correct, candidate) == (0, 0):
                    return candidate
        return correct[::-1]

    def _reset(self) -> None:
        self._order = self._start_order()
        self._touched = False

    @property
    def order(self) -> list[str]:
        return list(self._order)

    def _text(self, step_id: str) -> str:
        return next(s["text"] for s in self.data["steps"] if s["id"] == step_id)

    def set_order(self, step_ids: list[str]) -> None:
        """Give the whole order at once, as a list of every step id."""
        if isinstance(step_ids, str) or not isinstance(step_ids, list | tuple):
            raise AnswerTypeError(f"set_order() takes a list of all {len(self.step_ids)} step ids; got "
                                  f"{step_ids!r} ({type(step_ids).__name__}).")
        unknown = [s for s in step_ids if s not in self.correct_order]
        if unknown or len(step_ids) != len(self.correct_order) or len(set(step_ids)) != len(step_ids):
            missing = [s for s in self.step_ids if s not in step_ids]
            raise AnswerTypeError("set_order() needs every step id exactly once"
                                  + (f"; unknown: {', '.join(map(repr, unknown))}" if unknown else "")
                                  + (f"; missing: {', '.join(missing)}" if missing else "") + ".")
        self._order = list(step_ids)
        self._touched = True
        self._refresh()

    choose = set_order

    def move(self, step_id: str, offset: int) -> None:
        """Move one step up (negative offset) or down (positive)."""
        if step_id not in self._order:
            raise AnswerTypeError(f"{step_id!r} is not a step; the steps are {', '.join(self._order)}.")
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise AnswerTypeError(f"offset must be a whole number such as -1 (up) or 1 (down); got {offset!r}.")
        i = self._order.index(step_id)
        j = max(0, min(len(self._order) - 1, i + offset))
        self._order.insert(j, self._order.pop(i))
        self._touched = True
        self._refresh()

    def _missing(self) -> str | None:
        if not self._touched:
            return "Nothing to submit yet: the steps are still in their shuffled order. Move at least one."
        return None

    def _answer(self) -> Any:
        return list(self._order)

    def _grade(self) -> Feedback:
        correct = self.correct_order
        positions = [correct.index(s) for s in self._order]
        placed, neighbours = order_credit(correct, self._order)
        score = order_score(correct, self._order)
        run = longest_ordered_run(positions)
        in_order = sum(positions[a] < positions[b] for a, b in combinations(range(len(positions)), 2))
        messages = [f"{placed} of {len(correct)} steps are in their right place; {neighbours} of {len(correct) - 1} "
                    f"neighbouring pairs belong next to each other in that order.",
                    f"Longest run already in the right relative order: {len(run)} steps."]
        for number, step_id in enumerate(self._order, 1):
            step = next(s for s in self.data["steps"] if s["id"] == step_id)
            if correct[number - 1] == step_id:
                messages.append(f"✔ {number}. {step['text']} — {step['why']}")
            else:
                messages.append(f"✘ {number}. {step['text']} is out of place. Think about its role: {step['why']}")
        return Feedback(score, messages, {"order": list(self._order), "placed": placed, "neighbours": neighbours,
                                          "pairs_in_order": in_order, "longest_run": len(run)})

    def _solution_text(self) -> str:
        steps = "\n".join(f"{n}. **{s['text']}** — {s['why']}" for n, s in enumerate(self.data["steps"], 1))
        return f"{self.data['solution']}\n\n{steps}"

    def _describe(self) -> str:
        return self.data["prompt"]

    # ----- widget ----------------------------------------------------------------------------------------------
    def _build_body(self) -> w.Widget:
        ui = self.ui
        ui.prompt = w.HTML(markdown(self.data["prompt"]))
        ui.list = w.Select(options=[], rows=len(self.correct_order), description="Steps",
                           layout=w.Layout(width="95%"), style={"description_width": "initial"})
        ui.up = button("Move up", "Move the selected step one place up", "arrow-up")
        ui.down = button("Move down", "Move the selected step one place down", "arrow-down")
        ui.up.on_click(self._ui_action(lambda: ui.list.value and self.move(ui.list.value, -1)))
        ui.down.on_click(self._ui_action(lambda: ui.list.value and self.move(ui.list.value, 1)))
        ui.order_text = w.HTML()
        return w.VBox([ui.prompt, ui.list, w.HBox([ui.up, ui.down]), ui.order_text])

    def _refresh_body(self) -> None:
        ui = self.ui
        selected = ui.list.value
        options = [(f"{n}. {self._text(s)}", s) for n, s in enumerate(self._order, 1)]
        if list(ui.list.options) != options:
            ui.list.options = options
            ui.list.value = selected if selected in self._order else None
        # A list box cannot wrap its lines, so long steps are cut off there: the whole text of every step, in the
        # current order, is written out below it.
        steps = "".join(f"<li>{html.escape(self._text(s))}</li>" for s in self._order)
        ui.order_text.value = ("<p>Select a step in the list (arrow keys), then move it with the buttons. "
                               f"{len(self._order)} steps. Your order so far:</p><ol>{steps}</ol>")
