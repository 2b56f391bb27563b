"""``ordering``: put the steps in order, with partial credit.

The score is the share of step pairs in the right relative order (1 for the right order, 0 for the reverse), so
swapping two neighbours costs little and a scrambled order a lot; the feedback also names the longest run of steps
already in the right relative order.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from itertools import combinations
from typing import Any

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


class OrderingScenario(Scenario):
    kind = "ordering"
    learner_verbs = ("set_order", "move", "choose")

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
        order = sorted(self.correct_order, key=lambda sid: hashlib.sha256(f"{self.id}:{sid}".encode()).hexdigest())
        return order if order != self.correct_order else order[1:] + order[:1]

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
        return None

    def _answer(self) -> Any:
        return list(self._order)

    def _grade(self) -> Feedback:
        correct = self.correct_order
        positions = [correct.index(s) for s in self._order]
        pairs = list(combinations(range(len(positions)), 2))
        in_order = sum(positions[a] < positions[b] for a, b in pairs)
        score = in_order / len(pairs)
        run = longest_ordered_run(positions)
        placed = sum(p == i for i, p in enumerate(positions))
        messages = [f"{placed} of {len(correct)} steps are in exactly the right place; {in_order} of {len(pairs)} "
                    f"pairs of steps are in the right order.",
                    f"Longest run already in the right relative order: {len(run)} steps."]
        if score < 1:
            first_wrong = next(i for i, p in enumerate(positions) if p != i)
            messages.append(f"Look again from position {first_wrong + 1}: "
                            f"“{self._text(self._order[first_wrong])}” does not belong there.")
        else:
            messages += [f"{n}. {s['text']} — {s['why']}" for n, s in enumerate(self.data["steps"], 1)]
        return Feedback(score, messages, {"order": list(self._order), "placed": placed,
                                          "pairs_in_order": in_order, "pairs": len(pairs), "longest_run": len(run)})

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
        ui.order_text.value = ("<p>Select a step in the list (arrow keys), then move it with the buttons. "
                               f"{len(self._order)} steps.</p>")
