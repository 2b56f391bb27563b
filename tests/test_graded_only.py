"""Graded-only scenarios: a graded exercise never marks a situation the trainee could practise with hints, instant
feedback and the worked answer; nothing a trainee practises on (lessons, the practice call, role-play cards, live
sessions, the progress table) opens or lists one."""

from __future__ import annotations

import difflib
import html
import json
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

import frontline
from frontline.check import run_checks
from frontline.kit import KitPaths
from frontline.lessons.metadata import load_lessons, scenario_calls
from frontline.live.plan import load_plan
from frontline.live.regrade import ScenarioGrader
from frontline.problems import ContentError
from frontline.scenarios import GradedOnlyScenarioError, ProgressStore, list_scenarios, load_scenario
from frontline.scenarios.graded import graded_scenario, mark_scenario
from frontline.scenarios.lints import content_stems
from frontline.scenarios.loader import is_graded_only
from frontline.scenarios.track_check import PLAY, _calls
from frontline.workshop.cards import build_cards

REPO = Path(__file__).resolve().parents[1]


def graded_uses() -> list[tuple[str, str, str]]:
    """(exercise, item id, scenario id) of every graded scenario cell of the front-line exercises."""
    uses = []
    for path in sorted(REPO.glob("exercises/fl_*/fl_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            uses += [(path.parent.name, args[0], args[1]) for args, _ in _calls(cell.source, PLAY)]
    return uses


def practice_uses() -> set[str]:
    """Every scenario a trainee opens for practice: lesson calls and metadata, and the live session plans."""
    used = set()
    for lesson in load_lessons(REPO / "notebooks"):
        used |= set(lesson.scenarios)
        used |= set(scenario_calls(json.loads(lesson.path.read_text(encoding="utf-8"))))
    for plan in sorted((REPO / "data" / "sessions").glob("*.yaml")):
        used |= {q.question_id for q in load_plan(plan, REPO).questions if q.kind == "scenario"}
    return used


GRADED_ONLY = [sid for sid in list_scenarios(include_graded=True) if is_graded_only(sid)]


def test_every_graded_exercise_scenario_is_graded_only_and_none_is_practised():
    uses = graded_uses()
    assert len(uses) == 15 and {a for a, _, _ in uses} == {p.name for p in REPO.glob("exercises/fl_*")}
    assert all(is_graded_only(sid) for _, _, sid in uses), [sid for _, _, sid in uses if not is_graded_only(sid)]
    assert len({sid for _, _, sid in uses}) == len(uses), "each graded use has its own scenario"
    practised = practice_uses()
    assert practised, "the lessons and plans open practice scenarios"
    assert not practised & set(GRADED_ONLY)
    # the exercise tests the same skill as the lesson: the kind of each graded scenario is practised in the lessons
    assert {sid.split("/")[0] for _, _, sid in uses} <= {sid.split("/")[0] for sid in practised}


def test_the_practice_call_refuses_a_graded_only_scenario_in_plain_words(tmp_path):
    scenario_id = "diagnosis/cancelled-bed-delivery"
    with pytest.raises(GradedOnlyScenarioError) as refused:
        frontline.scenario(scenario_id, store=ProgressStore(tmp_path / "p.json"))
    message = str(refused.value)
    assert "“The bed delivery that was called off” is a question kept for a graded exercise" in message
    assert "cannot be opened for practice" in message
    assert not re.search(r"[a-z]+/[a-z-]+|\.yaml|\(\)|_", message), "no ids, paths or code names for a trainee"
    assert not (tmp_path / "p.json").exists(), "nothing recorded as practice"
    # a practice scenario of the same kind still opens
    assert frontline.scenario("diagnosis/late-delivery", store=ProgressStore(tmp_path / "p.json")).kind == "diagnosis"


@pytest.mark.parametrize("scenario_id", GRADED_ONLY)
def test_no_practice_listing_names_a_graded_only_scenario(scenario_id, tmp_path):
    assert scenario_id not in list_scenarios()
    assert scenario_id in list_scenarios(include_graded=True)
    with pytest.raises(GradedOnlyScenarioError, match="kept for a graded exercise"):
        frontline.scenario(scenario_id)


def test_the_progress_table_lists_practice_scenarios_only(tmp_path):
    frame = frontline.progress(store=ProgressStore(tmp_path / "p.json")).frame
    assert set(frame["id"]) == set(list_scenarios())
    assert not set(frame["id"]) & set(GRADED_ONLY)


def test_role_play_cards_leave_graded_only_scenarios_out_and_refuse_them_by_name():
    sets, skipped = build_cards(REPO)
    assert sets and not {s.scenario_id for s in sets} & set(GRADED_ONLY)
    assert skipped == []
    graded_cards = [sid for sid in GRADED_ONLY if sid.split("/")[0] in ("diagnosis", "recovery")]
    assert len(graded_cards) >= 4
    sets, skipped = build_cards(REPO, only=graded_cards)
    assert sets == [] and [s.scenario_id for s in skipped] == graded_cards
    assert all("cannot be opened for practice" in s.reason for s in skipped)


def test_a_live_session_cannot_show_or_judge_a_graded_only_scenario(kit_copy):
    plan = kit_copy / "data" / "sessions" / "graded.yaml"
    plan.write_text("title: Not allowed\nquestions:\n  - scenario: recovery/roaming-charges-bill\n", encoding="utf-8")
    problems = run_checks(KitPaths(kit_copy), only={"session plans"})["session plans"]
    assert [(p.file.name, p.line, p.field) for p in problems] == [("graded.yaml", 3, "questions[0].scenario")]
    assert "is graded-only (use: graded)" in problems[0].message
    with pytest.raises(ContentError, match="kept for a graded exercise"):
        load_plan(plan, kit_copy)
    grader = ScenarioGrader(kit_copy)
    assert not grader.available("recovery/roaming-charges-bill")
    assert grader.available("recovery/utility-billing-error")


def test_a_lesson_naming_a_graded_only_scenario_is_reported(kit_copy):
    path = next((kit_copy / "notebooks").glob("03_*.ipynb"))
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["metadata"]["frontline"]["lesson"]["scenarios"].append("diagnosis/cancelled-bed-delivery")
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    problems = run_checks(KitPaths(kit_copy), only={"lessons"})["lessons"]
    assert any("'diagnosis/cancelled-bed-delivery' is graded-only" in p.message and p.file == path
               for p in problems), problems


def test_an_exercise_grading_on_a_practice_scenario_is_reported(kit_copy):
    path = kit_copy / "exercises" / "fl_03_diagnosis_call" / "fl_03_diagnosis_call.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace("diagnosis/cancelled-bed-delivery",
                                                             "diagnosis/late-delivery"), encoding="utf-8")
    problems = run_checks(KitPaths(kit_copy), only={"front-line track"})["front-line track"]
    assert any("'scenario-cancelled-bed-delivery' plays 'diagnosis/late-delivery', a practice scenario" in p.message
               for p in problems), problems


def graded_personas() -> list[tuple[str, str, str | None]]:
    """(item id, scenario id, persona or None) of every graded scenario that is played against a persona."""
    found = []
    for path in sorted(REPO.glob("exercises/fl_*/fl_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for args, kwargs in _calls(cell.source, PLAY):
                if load_scenario(args[1]).data.get("personas"):
                    found.append((args[0], args[1], kwargs.get("persona")))
    return found


def test_a_graded_scenario_shows_its_fixed_customer_and_what_they_expect_but_no_picker(tmp_path):
    uses = graded_personas()
    assert ("scenario-card-reply-reassurance", "choice/declined-card-which-reply", "needs-reassurance") in uses
    for item_id, scenario_id, persona_id in uses:
        played = graded_scenario(item_id, scenario_id, persona=persona_id, folder=tmp_path)
        played.widget  # noqa: B018 - builds the widget as displaying it does
        ui = played.engine.ui
        persona = played.engine.spec.personas[played.engine.persona]
        shown = ui.persona_text.value
        assert ui.persona_text.layout.display != "none" and ui.persona_text in ui.root.children, scenario_id
        assert ui.root in played.widget.children and played.widget.layout.display != "none"
        for text in (persona["name"], persona["description"], *persona["expects"]):
            assert html.escape(text) in shown, (scenario_id, text, shown)
        assert ui.persona.layout.display == "none" and ui.persona_confirm.layout.display == "none"


def test_in_graded_work_a_graded_only_scenario_gives_no_hint_or_solution_but_is_marked(tmp_path, capsys):
    played = graded_scenario("bed", "diagnosis/cancelled-bed-delivery", folder=tmp_path)
    engine = played.engine
    assert engine.hint().startswith("There is no hint for this one.")
    for question in ("tell-me-about-it", "message-exactly", "read-the-email", "summarise-back"):
        engine.ask(question)
    engine.name_issue("bed-by-a-set-day")
    engine.submit()
    assert "There is no worked solution here" in engine.solution()
    assert mark_scenario("bed", "diagnosis/cancelled-bed-delivery", 3, folder=tmp_path) == 3
    assert "Points: 3 of 3" in capsys.readouterr().out


@pytest.mark.parametrize(("value", "shown"), [("grade", "'grade'"), (True, "True")])
def test_a_bad_use_value_is_named_with_file_line_and_field(kit_copy, value, shown):
    file = kit_copy / "data" / "scenarios" / "choice" / "which-level-failed-laptop.yaml"
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("use: graded", f"use: {json.dumps(value)}"), encoding="utf-8")
    problems = run_checks(KitPaths(kit_copy), only={"scenarios"})["scenarios"]
    assert [(p.file.name, p.line, p.field) for p in problems] == [("which-level-failed-laptop.yaml", 2, "use")]
    assert problems[0].message == ("'use' must be 'practice' (the default: lessons, role-play cards and live "
                                   "sessions may open it) or 'graded' (kept for graded exercises only); got " + shown)


# ----- a new situation, not a practice scenario reworded ----------------------------------------------------------
# Two lines count as the same when, lower-cased and with whitespace collapsed, difflib's ratio is above the limit:
# "I'll log a formal complaint about the voicemail" and "I'll log a complaint about the voicemail" are, "Tell me what
# happened" and "Tell me about the order" are not. Lines shorter than MIN_CHARS ("Yes.", "Oh.") are left out.
SAME_LINE_RATIO = 0.7
MIN_CHARS = 25
NOT_SHOWN = frozenset({"id", "kind", "steps", "to", "start", "cites", "facts", "reveals", "confirms", "personas",
                       "sources", "use", "industry", "customer_kind", "branches"})


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _shown_texts(value) -> list[str]:
    """Every text of a scenario file a trainee reads (not ids, links or sources)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for key, item in value.items() if key not in NOT_SHOWN for t in _shown_texts(item)]
    if isinstance(value, list):
        return [t for item in value for t in _shown_texts(item)]
    return []


def _sentences(text: str) -> list[str]:
    """Each sentence of a text, normalised, of at least MIN_CHARS characters."""
    found = dict.fromkeys(_normal(s) for s in re.split(r"(?<=[.!?])\s+|\n\s*\n", text))
    return [line for line in found if len(line) >= MIN_CHARS]


def _lines(text: str) -> list[str]:
    """A text and each of its sentences, normalised, of at least MIN_CHARS characters."""
    whole = [_normal(text)] if len(_normal(text)) >= MIN_CHARS else []
    return list(dict.fromkeys([*whole, *_sentences(text)]))


@cache
def practice_lines(scenario_id: str) -> tuple[str, ...]:
    """Every line a practice scenario shows: intro, customer lines, options, replies, notes, feedback, solution."""
    data = load_scenario(scenario_id).data
    return tuple(dict.fromkeys(line for text in _shown_texts(data) for line in _lines(text)))


def answer_lines(data: dict) -> list[tuple[str, str]]:
    """(where, text) of what a trainee picks from or weighs in a graded scenario: options, replies and the
    customer's lines, questions and issues, steps, facts and policy clauses."""
    kind = data["kind"]
    if kind == "choice":
        return [(f"option {o['id']}", o["text"]) for o in data["options"]]
    if kind == "recovery":
        found = []
        for node_id, node in data["nodes"].items():
            found += [(f"node {node_id}", text) for text in [node["customer"], *node.get("customer_by_persona",
                                                                                     {}).values()]]
            found += [(f"reply {r['id']}", r["text"]) for r in node["replies"]]
        return found
    if kind == "diagnosis":
        return ([(f"question {q['id']}", q["text"]) for q in data["questions"]]
                + [(f"issue {i['id']}", i["text"]) for i in data["issues"]])
    if kind == "ordering":
        return [(f"step {s['id']}", s["text"]) for s in data["steps"]]
    if kind == "empowerment":
        return ([(f"fact {f['id']}", f["text"]) for f in data["facts"]]
                + [(f"policy {c['id']}", c["text"]) for c in data["policy"]["clauses"]])
    return []


def closest(line: str, candidates: tuple[str, ...]) -> tuple[float, str]:
    """The most similar candidate to a normalised line, and its ratio (cheap upper bounds skip most pairs)."""
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(line)
    best = (0.0, "")
    for candidate in candidates:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() > max(best[0], SAME_LINE_RATIO) and matcher.quick_ratio() > max(
                best[0], SAME_LINE_RATIO):
            best = max(best, (matcher.ratio(), candidate))
    return best


def test_the_line_comparison_catches_a_reworded_line_and_passes_a_new_one():
    lines = ("i understand. i'll log a formal complaint about the voicemail with the on-call team so someone "
             "reviews it.",)
    copied = _normal("I understand. I'll log a complaint about the voicemail with the night team so someone "
                     "reviews it.")
    assert closest(copied, lines)[0] > SAME_LINE_RATIO
    assert closest(_normal("I'll raise it with the night team's manager today, so the calls are reviewed."),
                   lines)[0] <= SAME_LINE_RATIO
    assert _lines("Oh. Well. That's good.") == [], "short lines are left out"


@pytest.mark.parametrize("scenario_id", GRADED_ONLY)
def test_no_graded_option_reply_or_issue_repeats_a_practice_line(scenario_id):
    practised = [line for other in list_scenarios() for line in practice_lines(other)]
    assert len(practised) > 1000
    pool = tuple(dict.fromkeys(practised))
    repeated = []
    for where, text in answer_lines(load_scenario(scenario_id).data):
        line = _normal(text)
        if len(line) >= MIN_CHARS:
            ratio, match = closest(line, pool)
            if ratio > SAME_LINE_RATIO:
                repeated.append(f"{where} ({ratio:.2f}): {text!r} ~ {match!r}")
    assert not repeated, "a graded scenario repeats what practice shows:\n" + "\n".join(repeated)


def reasons_stated_by_the_intro(data: dict) -> list[tuple[str, list[str]]]:
    """(option or issue, words) where the intro already says why an option is wrong: at least three words of its
    feedback, and at least half, that neither the question nor any option shows are in the intro."""
    shown = content_stems(" ".join([data["title"], data.get("prompt", ""), data.get("opening", ""),
                                    *(item["text"] for item in data.get("options", []) + data.get("issues", []))]))
    intro = content_stems(data["intro"])
    found = []
    for item in data.get("options", []) + data.get("issues", []):
        if item.get("correct") or float(item.get("score", 0)) >= 1:
            continue
        reason = content_stems(item["feedback"]) - shown
        stated = sorted(reason & intro)
        if len(stated) >= 3 and len(stated) >= len(reason) / 2:
            found.append((item["id"], stated))
    return found


def test_an_intro_that_rules_out_options_is_caught():
    data = {"title": "Pick the measure", "prompt": "Your goal: understand why customers give up half-way.",
            "intro": "A single rating gives no direction, and customers who gave up never rate you at all.",
            "options": [{"id": "single-score", "text": "The average of a satisfaction question.", "score": 0,
                         "feedback": "One number gives no direction, and customers who gave up never see it."}]}
    assert reasons_stated_by_the_intro(data) == [("single-score", ["direction", "gave", "never"])]
    data["intro"] = "Most customers who start the application stop before the end, and nobody can say why."
    assert reasons_stated_by_the_intro(data) == []


@pytest.mark.parametrize("scenario_id", [sid for sid in GRADED_ONLY if sid.split("/")[0] in ("choice", "diagnosis")])
def test_a_graded_intro_sets_the_scene_and_leaves_the_reasons_to_the_feedback(scenario_id):
    assert reasons_stated_by_the_intro(load_scenario(scenario_id).data) == []


def test_graded_only_scenarios_are_parallel_forms_of_what_the_lessons_practise():
    """Same kind (and, for diagnosis, the same budget) as a practised scenario, under a title of its own. Whether
    it is a new situation rather than a reworded copy is what the line comparison above checks."""
    practised = practice_uses()
    for _, _, scenario_id in graded_uses():
        spec = load_scenario(scenario_id)
        same_kind = [load_scenario(p) for p in practised if p.split("/")[0] == spec.kind]
        assert same_kind, scenario_id
        assert all(spec.title != other.title for other in same_kind), scenario_id
        if spec.kind == "diagnosis":  # same difficulty: a budget no larger or smaller than the lessons use
            assert spec.data["budget"] in {o.data["budget"] for o in same_kind}, scenario_id


def test_a_reply_naming_another_customer_earns_nothing_for_the_worried_first_timer(tmp_path, capsys):
    played = graded_scenario("card", "choice/declined-card-which-reply", persona="needs-reassurance", folder=tmp_path)
    played.engine.choose("own-it-personally")
    assert mark_scenario("card", "choice/declined-card-which-reply", 2, persona="needs-reassurance",
                         folder=tmp_path) == 0
    shown = capsys.readouterr().out
    assert "Points: 0 of 2" in shown and "another customer's name" in shown


def test_the_cold_room_fix_rests_on_what_the_representative_was_shown(tmp_path):
    played = graded_scenario("cold", "recovery/emergency-line-cold-room", folder=tmp_path)
    engine = played.engine
    intro = engine.data["intro"].lower()
    # the cause and the representative's own authority are on screen before the first reply: the item tests owning
    # and fixing the failure, not reading a fault code
    assert "manual defrost" in intro and "from your desk" in intro, intro
    assert "different customers" not in intro and "mood meter" not in intro, "no practice wording in graded work"
    engine.reply("own-both-failures")
    assert engine.node == "the-fix"
    # the right fix is not the only specific one: each reply names the controller and a concrete step
    offered = engine.data["nodes"]["the-fix"]["replies"]
    specific = [r["id"] for r in offered if "controller" in r["text"]]
    assert "switch-it-from-here" in specific and len(specific) >= 2, specific


# ----- the feedback of a graded item is not a practice scenario's feedback reworded --------------------------------
# A trainee who practised could spot the right graded option by remembering which practice option's feedback praised
# it, so what a graded item explains once it is marked is compared, sentence by sentence, with the explanations
# practice gives (feedback, hints, worked solutions), with the same normalisation and limit as the lines above.

# Shared framing that says nothing about which answer is right, exempt by name (kept short; say why for each).
SHARED_FRAMING = frozenset(_normal(text) for text in (
    # the study every customer-value calculation cites as its assumption: reworded, the attribution could drift
    "Reichheld and Sasser ('Zero Defections', HBR 1990) found that 5 points more retention raised profit per customer "
    "by 25-85% in the service industries they studied (later Bain work quotes 25-95%); it is 1990 consulting data "
    "from specific industries, not a law.",
))


def debrief_texts(data: dict) -> list[tuple[str, str]]:
    """(where, text) of what a scenario explains once an answer is judged: each option's or issue's feedback (for
    every persona), why each question or step matters, each reply's note and each ending, the feedback of each
    decision and the rule that forces one, each common mistake and assumption. In graded work the marking prints
    these under the trainee's path (the hint and worked solution stay hidden)."""
    found = []
    for option in data.get("options", []):
        found += [(f"option {option['id']}", option["feedback"])]
        found += [(f"option {option['id']} ({p})", t) for p, t in option.get("feedback_by_persona", {}).items()]
    found += [(f"issue {i['id']}", i["feedback"]) for i in data.get("issues", [])]
    found += [(f"question {q['id']}", q["why"]) for q in data.get("questions", [])]
    found += [(f"step {s['id']}", s["why"]) for s in data.get("steps", [])]
    for node_id, node in data.get("nodes", {}).items():
        found += [(f"node {node_id} reply {r['id']}", r["note"]) for r in node["replies"]]
    found += [(f"ending {e}", ending["text"]) for e, ending in data.get("endings", {}).items()]
    found += [(f"decision {a}", entry["text"]) for a, entry in (data.get("feedback") or {}).items()]
    found += [(rule, data[rule]["text"]) for rule in ("must_escalate", "must_refuse") if data.get(rule)]
    found += [(f"mistake {m['id']}", m["why"]) for m in data.get("mistakes", [])]
    found += [("assumption", a) for a in data.get("assumptions", [])]
    return found


@cache
def practice_explanations() -> tuple[str, ...]:
    """Every sentence of the feedback, hints and worked solutions of the practice scenarios."""
    found = []
    for scenario_id in list_scenarios():
        data = load_scenario(scenario_id).data
        texts = [t for _, t in debrief_texts(data)] + list(data.get("hints", [])) + [data.get("solution", "")]
        found += [line for text in texts for line in _sentences(text)]
    return tuple(dict.fromkeys(found))


def repeated_explanations(data: dict, pool: tuple[str, ...]) -> list[str]:
    """Each sentence of a graded scenario's debrief that is too close to a practice explanation."""
    repeated = []
    for where, text in debrief_texts(data):
        for line in _sentences(text):
            ratio, match = closest(line, pool)
            if ratio > SAME_LINE_RATIO and line not in SHARED_FRAMING:
                repeated.append(f"{where} ({ratio:.2f}): {line!r} ~ {match!r}")
    return repeated


def test_the_feedback_comparison_catches_a_reworded_sentence_and_passes_a_new_one():
    pool = tuple(_sentences("Short and concrete: the card works again and it should not recur. Well done."))
    assert pool == ("short and concrete: the card works again and it should not recur.",), "short ones left out"
    data = {"options": [{"id": "fixed", "feedback": "It reads the statement back. Short and concrete: the card "
                                                    "works again and it will not recur."}]}
    assert [r.split(" (")[0] for r in repeated_explanations(data, pool)] == ["option fixed"]
    data["options"][0]["feedback"] = "It reads the statement back. Brief, and she can pay at once without a detour."
    assert repeated_explanations(data, pool) == []
    # a sentence is judged on its own: a copied sentence inside a longer feedback is still caught
    data["options"][0]["feedback"] = ("Nothing here is new to her, and the branch's long queue stays as it was. "
                                      "Short and concrete: the card works again and it should not recur.")
    assert len(repeated_explanations(data, pool)) == 1


@pytest.mark.parametrize("scenario_id", GRADED_ONLY)
def test_no_graded_feedback_repeats_a_practice_explanation(scenario_id):
    pool = practice_explanations()
    assert len(pool) > 300
    data = load_scenario(scenario_id).data
    assert debrief_texts(data), "every graded scenario explains its marking"
    repeated = repeated_explanations(data, pool)
    assert not repeated, "a graded scenario's feedback repeats what practice explains:\n" + "\n".join(repeated)
