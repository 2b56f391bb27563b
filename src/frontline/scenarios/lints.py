"""Authoring lints: rules that keep a scenario a test of the skill, not of the test-taker.

A schema says a file is well formed; these rules say the assessment is valid. Each returns
:class:`~frontline.problems.Problem` s with file, line and field, run by ``frontline check`` for every scenario:

* **give-away length**: a right option may not be markedly longer than its distractors, as
  :mod:`frontline.option_form` measures it (choice options, diagnosis issues, the best reply at each recovery node).
* **unrevealed fact**: the right diagnosis may not use a distinctive word of a fact that only a question reveals,
  unless a distractor uses it too (then the word does not single the right option out).
* **summaries confirm, never reveal**: a summarising question lists what it ``confirms``; every such fact must be
  revealed by another question, and its wording (on screen before anything is asked) may not carry any fact's
  distinctive words.
* **the taught path reaches full marks**: open question first, questions that uncover every key fact, a summary:
  all within the budget.
* **every option has its own why**: the feedback shown when an option is chosen is at least
  :data:`~frontline.option_form.MIN_WHY_WORDS` words and not a copy of another option's.
* **a score never contradicts its debrief**: every path to a full-marks recovery ending shows every LAST and HEARD
  step; an ordering's starting order scores nothing; a calculator's recognised mistake is not the right answer.
* **one spelling convention** per kit (``data/kit.yaml``).
* **no give-away absolute words**: :func:`~frontline.option_form.absolute_word_pick_rates` measures what a
  test-taker scores by avoiding (or seeking) options with an absolute word; the knowledge check keeps both at most
  :data:`~frontline.option_form.MAX_ABSOLUTE_PICK_RATE` in each form, and so does ``frontline check`` over the
  scenarios' single-answer items, graded-only and practice counted apart.
* **no persona picker in graded work**: a graded-only scenario fixes its customer and shows no picker, so its text
  may not ask the trainee to choose a persona or point to a dropdown.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from pathlib import Path
from statistics import mean
from typing import Any

from frontline.option_form import (
    MAX_ABSOLUTE_PICK_RATE,
    MAX_LONGEST_RATIO,
    MAX_MEAN_RATIO,
    MIN_WHY_WORDS,
    absolute_word_pick_rates,
    chance_rate,
    length_ratios,
    word_count,
    words,
)
from frontline.problems import Problem
from frontline.scenarios.settings import KitSettings
from frontline.yamlsource import KeyPath, LocatedData

LAST = ("listen", "apologize", "solve", "thank")
HEARD = ("hear", "empathize", "apologize", "resolve", "diagnose")
RECOVERY_STEPS = tuple(dict.fromkeys(LAST + HEARD))

# Words too common to identify a fact: a right option sharing them with a fact gives nothing away.
STOPWORDS = frozenset({
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "doing", "done", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have",
    "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself",
    "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other",
    "our", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up",
    "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your", "yours", "yes", "customer", "customers", "real", "issue", "issues", "needs", "need",
    "wants", "want", "problem", "really", "thing", "things", "something", "nothing", "one", "two", "get", "gets",
    "got", "make", "makes", "made", "said", "says", "say", "tell", "told", "still", "like", "well",
    "they'll", "isn't", "it's",
})
AMERICAN_TO_BRITISH = {
    "organization": "organisation", "organizations": "organisations", "summarize": "summarise",
    "summarizing": "summarising", "summarized": "summarised", "apologize": "apologise", "apologized": "apologised",
    "apologizing": "apologising", "apologizes": "apologises", "recognize": "recognise", "recognized": "recognised",
    "empathize": "empathise", "prioritize": "prioritise", "color": "colour", "behavior": "behaviour",
    "favor": "favour", "favorite": "favourite", "honor": "honour", "center": "centre", "canceled": "cancelled",
    "canceling": "cancelling", "labeled": "labelled", "traveled": "travelled", "utilize": "utilise",
    "realize": "realise", "realized": "realised", "analyze": "analyse", "catalog": "catalogue", "judgment": "judgement",
    "license": "licence", "fulfill": "fulfil", "neighbor": "neighbour", "neighbors": "neighbours",
}
BRITISH_TO_AMERICAN = {b: a for a, b in AMERICAN_TO_BRITISH.items()}
# Model names keep their own spelling: LAST and HEARD are acronyms over "Apologize" and "Empathize".
SPELLING_EXEMPT = frozenset({"apologize", "empathize"})


def stem(word: str) -> str:
    word = word.lower().replace("’", "'")
    word = word.split("'")[0]
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if len(w) >= 4 and w.lower() not in STOPWORDS}


# ----- give-away length -----------------------------------------------------------------------------------------
def _length_problem(located: LocatedData, path: KeyPath, right: str, distractors: list[str],
                    who: str = "") -> list[Problem]:
    if not distractors:
        return []
    to_mean, to_longest = length_ratios(right, distractors)
    if to_mean > MAX_MEAN_RATIO or to_longest > MAX_LONGEST_RATIO:
        return [located.problem(path, f"the right option{who} is a give-away by length: {word_count(right)} words, "
                                      f"{to_mean:.1f}× the distractors' mean (at most {MAX_MEAN_RATIO}) and "
                                      f"{to_longest:.1f}× the longest (at most {MAX_LONGEST_RATIO}); shorten it or "
                                      f"make the distractors real near-misses")]
    return []


def single_answer_items(kind: str, data: dict[str, Any]) -> Iterable[tuple[KeyPath, str, list[str], str]]:
    """Every single-answer item of a scenario: (path of the right option's text, its text, distractors, who).

    Used by the length lint and by the library report, so both measure the same thing."""
    if kind == "choice" and not data.get("multiple"):
        options = data["options"]
        for persona in data.get("personas") or [None]:
            scores = [float(o.get("score_by_persona", {}).get(persona, o.get("score", 0))) for o in options]
            best = max(scores)
            for index, option in enumerate(options):
                if scores[index] >= 1 and best >= 1:
                    others = [o["text"] for j, o in enumerate(options) if scores[j] < 1]
                    yield ("options", index, "text"), option["text"], others, (f" for persona {persona!r}"
                                                                                 if persona else "")
    elif kind == "diagnosis":
        issues = data["issues"]
        for index, issue in enumerate(issues):
            if issue.get("correct"):
                yield ("issues", index, "text"), issue["text"], [i["text"] for i in issues if not i.get("correct")], ""
    elif kind == "recovery":
        for node_id, node in data["nodes"].items():
            replies = node["replies"]
            if len(replies) < 2:
                continue
            for persona in data.get("personas") or [None]:
                moods = [int(r.get("mood_by_persona", {}).get(persona, r["mood"])) for r in replies]
                best = max(moods)
                for index, reply in enumerate(replies):
                    if moods[index] == best:
                        others = [r["text"] for j, r in enumerate(replies) if moods[j] < best]
                        who = f" at node {node_id!r}" + (f" for persona {persona!r}" if persona else "")
                        yield ("nodes", node_id, "replies", index, "text"), reply["text"], others, who


def lint_lengths(kind: str, located: LocatedData) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[KeyPath] = set()
    for path, right, distractors, who in single_answer_items(kind, located.data):
        if path not in seen:
            found = _length_problem(located, path, right, distractors, who)
            if found:
                seen.add(path)
            problems += found
    if kind == "choice" and located.data.get("multiple"):
        options = located.data["options"]
        right = [o["text"] for o in options if float(o.get("score", 0)) >= 1]
        wrong = [o["text"] for o in options if float(o.get("score", 0)) < 1]
        if right and wrong and mean(map(word_count, right)) > MAX_MEAN_RATIO * mean(map(word_count, wrong)):
            problems.append(located.problem(("options",), f"the options that apply average "
                                            f"{mean(map(word_count, right)):.0f} words against "
                                            f"{mean(map(word_count, wrong)):.0f} for the others: a give-away by "
                                            f"length"))
    return problems


# ----- every option has its own why -----------------------------------------------------------------------------
def _whys(kind: str, data: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    if kind == "choice":
        found = [(("options", i, "feedback"), o["feedback"]) for i, o in enumerate(data["options"])]
        for i, option in enumerate(data["options"]):
            found += [(("options", i, "feedback_by_persona", p), t)
                      for p, t in option.get("feedback_by_persona", {}).items()]
        return found
    if kind == "diagnosis":
        return ([(("questions", i, "why"), q["why"]) for i, q in enumerate(data["questions"])]
                + [(("issues", i, "feedback"), q["feedback"]) for i, q in enumerate(data["issues"])])
    if kind == "recovery":
        return [(("nodes", n, "replies", i, "note"), r["note"])
                for n, node in data["nodes"].items() for i, r in enumerate(node["replies"])]
    if kind == "empowerment":
        return [(("feedback", action, "text"), entry["text"]) for action, entry in data["feedback"].items()]
    if kind == "ordering":
        return [(("steps", i, "why"), s["why"]) for i, s in enumerate(data["steps"])]
    if kind == "calculator":
        return [(("mistakes", i, "why"), m["why"]) for i, m in enumerate(data.get("mistakes", []))]
    return []


def lint_whys(kind: str, located: LocatedData) -> list[Problem]:
    problems = []
    first: dict[str, KeyPath] = {}
    for path, text in _whys(kind, located.data):
        if word_count(text) < MIN_WHY_WORDS:
            problems.append(located.problem(path, f"says too little to explain why ({word_count(text)} words; at "
                                                  f"least {MIN_WHY_WORDS}): say why this choice is right or wrong"))
        key = " ".join(words(text.lower()))
        if key in first and first[key][:2] != path[:2]:
            problems.append(located.problem(path, "repeats another option's feedback word for word; each option "
                                                  "needs its own why"))
        first.setdefault(key, path)
    return problems


# ----- diagnosis: facts, summaries, the taught path -------------------------------------------------------------
def _distinctive(data: dict[str, Any]) -> dict[str, set[str]]:
    """Per fact, the content words that the trainee cannot know before a question reveals the fact."""
    known = content_stems(" ".join([data.get("title", ""), data.get("intro", ""), data.get("opening", "")]))
    return {f["id"]: content_stems(f["text"]) - known for f in data["facts"]}


def lint_diagnosis(located: LocatedData) -> list[Problem]:
    data = located.data
    problems: list[Problem] = []
    distinctive = _distinctive(data)
    issue_words = [content_stems(i["text"]) for i in data["issues"]]
    for index, issue in enumerate(data["issues"]):
        if not issue.get("correct"):
            continue
        shared = set().union(*(w for j, w in enumerate(issue_words) if j != index and not data["issues"][j].get(
            "correct")))
        for fact_id, fact_words in distinctive.items():
            leaked = sorted((issue_words[index] & fact_words) - shared)
            if leaked:
                problems.append(located.problem(("issues", index, "text"), f"the right issue gives away fact "
                                                f"{fact_id!r}, which only a question reveals (word(s): "
                                                f"{', '.join(leaked)}); word it so it names the kind of issue, "
                                                f"not the fact"))
    asked_reveals = {f for q in data["questions"] if q["type"] != "summarising" for f in q.get("reveals", [])}
    for qi, question in enumerate(data["questions"]):
        if question["type"] != "summarising":
            if question.get("confirms"):
                problems.append(located.problem(("questions", qi, "confirms"),
                                                "only a summarising question confirms facts; use reveals"))
            continue
        if question.get("reveals"):
            problems.append(located.problem(("questions", qi, "reveals"), "a summary repeats what the customer said; "
                                            "it may not reveal facts (list the facts it repeats under confirms)"))
        confirms = question.get("confirms", [])
        if not confirms:
            problems.append(located.problem(("questions", qi), "a summarising question lists the facts it repeats "
                                                               "under confirms"))
        for ci, fact in enumerate(confirms):
            if fact not in distinctive:
                problems.append(located.problem(("questions", qi, "confirms", ci),
                                                f"fact {fact!r} is not defined under facts"))
            elif fact not in asked_reveals:
                problems.append(located.problem(("questions", qi, "confirms", ci), f"the summary confirms fact "
                                                f"{fact!r}, which no other question reveals: the customer never "
                                                f"said it"))
        # The question list is on screen before anything is asked, so a summary worded with the facts would hand
        # them to the trainee: its text stays general, and what it confirms is checked by the engine.
        shown = sorted(content_stems(question["text"]) & set().union(*distinctive.values()))
        if shown:
            problems.append(located.problem(("questions", qi, "text"), f"the summary's wording shows facts the "
                                            f"trainee can read before asking any question (word(s): "
                                            f"{', '.join(shown)}); word it generally (\"Let me check I have this "
                                            f"right...\") and list the facts under confirms"))
    if not any(q["type"] == "summarising" for q in data["questions"]):
        problems.append(located.problem(("questions",), "add a summarising question: the taught path ends with one"))
    if not any(q["type"] == "open" for q in data["questions"]):
        problems.append(located.problem(("questions",), "add an open question: the taught path starts with one"))
    shortest = taught_path_length(data)
    if shortest is not None and isinstance(data.get("budget"), int) and shortest > data["budget"]:
        problems.append(located.problem(("budget",), f"the taught path (open question first, every key fact, a "
                                                     f"summary) needs {shortest} questions, more than the budget of "
                                                     f"{data['budget']}: full marks would be impossible"))
    return problems


def taught_path_length(data: dict[str, Any]) -> int | None:
    """The fewest questions that open with an open question, uncover every key fact and end with a correct
    summary (one whose confirmed facts were all heard), or None when no such path exists."""
    key = {f["id"] for f in data["facts"] if f.get("key")}
    questions = data["questions"]
    opens = [q for q in questions if q["type"] == "open"]
    summaries = [q for q in questions if q["type"] == "summarising"]
    middle = [q for q in questions if q["type"] != "summarising"]
    best: int | None = None
    for first, summary in itertools.product(opens, summaries):
        need = (key | set(summary.get("confirms", []))) - set(first.get("reveals", []))
        rest = [q for q in middle if q is not first]
        for size in range(len(rest) + 1):
            if best is not None and size + 2 >= best:
                break
            if any(need <= {f for q in combo for f in q.get("reveals", [])}
                   for combo in itertools.combinations(rest, size)):
                best = size + 2
                break
    return best


# ----- recovery: the debrief of every full-marks path -----------------------------------------------------------
def recovery_paths(data: dict[str, Any], persona: str | None, limit: int = 5000):
    """Every conversation from the start for one persona: (replies taken as (node, index), ending, steps used)."""
    start_mood = int(data.get("start_mood_by_persona", {}).get(persona, data["start_mood"]))
    stack = [(data["start"], start_mood, (), frozenset())]
    count = 0
    while stack and count < limit:
        node_id, mood, path, steps = stack.pop()
        for index, reply in enumerate(data["nodes"][node_id]["replies"]):
            new_mood = max(0, min(100, mood + int(reply.get("mood_by_persona", {}).get(persona, reply["mood"]))))
            target = reply.get("to") or next(b["to"] for b in reply["branches"] if new_mood >= b.get("min_mood", 0))
            new_path = (*path, (node_id, index))
            used = steps | set(reply.get("steps", []))
            if target in data["endings"]:
                count += 1
                yield new_path, target, used
            elif len(new_path) < 30:
                stack.append((target, new_mood, new_path, used))


def lint_recovery(located: LocatedData) -> list[Problem]:
    data = located.data
    problems: list[Problem] = []
    reported: set[str] = set()
    for persona in data.get("personas") or [None]:
        reachable_full = False
        for path, ending, used in recovery_paths(data, persona):
            if float(data["endings"][ending]["score"]) < 1:
                continue
            missing = [s for s in RECOVERY_STEPS if s not in used]
            if not missing:
                reachable_full = True
            elif ending not in reported:
                reported.add(ending)
                replies = " → ".join(data["nodes"][n]["replies"][i]["id"] for n, i in path)
                problems.append(located.problem(("endings", ending, "score"), f"scores 1 but the path {replies}"
                                                + (f" (persona {persona!r})" if persona else "")
                                                + f" shows ✘ on {', '.join(missing)} in its own debrief: give those "
                                                  f"replies the steps they show, or score this ending below 1"))
        if not reachable_full and not problems:
            who = f" for persona {persona!r}" if persona else ""
            problems.append(located.problem(("endings",), f"no path{who} reaches full marks with every LAST and "
                                                          f"HEARD step shown"))
    return problems


# ----- spelling ----------------------------------------------------------------------------------------------------
def _strings(value: Any, path: KeyPath = ()) -> Iterable[tuple[KeyPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("id", "kind", "steps", "to", "start", "model", "output", "name", "cites", "facts",
                           "reveals", "confirms", "personas", "sources"):
                yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def lint_spelling(located: LocatedData, settings: KitSettings) -> list[Problem]:
    other = AMERICAN_TO_BRITISH if settings.spelling == "british" else BRITISH_TO_AMERICAN
    problems = []
    for path, text in _strings(located.data):
        for word in words(text):
            lower = word.lower()
            if lower in other and lower not in SPELLING_EXEMPT and not _quoted(text, word):
                problems.append(located.problem(path, f"{word!r} is not {settings.spelling} spelling, which this kit "
                                                      f"uses (write {other[lower]!r}; set in data/kit.yaml)"))
    return problems


def _quoted(text: str, word: str) -> bool:
    """A word inside a double-quoted quotation keeps its source's spelling."""
    before = text[: text.find(word)]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


# ----- give-away absolute words ---------------------------------------------------------------------------------
def lint_absolute_words(folder: Path, sets: dict[str, list[tuple[str, list[str]]]]) -> list[Problem]:
    """Across a library's single-answer items (named sets, such as graded-only and practice), avoiding or seeking
    absolute words may score at most :data:`MAX_ABSOLUTE_PICK_RATE` ÷ ⅓ times a random pick (0.4 for three
    options, as for the knowledge check)."""
    problems = []
    for name, items in sets.items():
        chance = chance_rate(items)
        limit = chance * MAX_ABSOLUTE_PICK_RATE * 3
        for strategy, rate in absolute_word_pick_rates(items).items():
            if rate > limit + 1e-9:
                problems.append(Problem(folder, f"across the {name} scenarios, a trainee who {strategy}s the options "
                                                f"with an absolute word (only, never, all, ...) scores {rate:.0%}, "
                                                f"where a random pick scores {chance:.0%} (at most {limit:.0%}): "
                                                f"reword the options so such words do not mark the answer"))
    return problems


# ----- graded-only text ----------------------------------------------------------------------------------------
# "choose the customer persona above", "Pick a customer persona", "under the dropdown": only practice has a picker.
_PICKER = re.compile(r"\b(?:choose|pick|select|switch)\b[^.:;!?]{0,30}\bpersonas?\b|\bdrop-?down\b", re.IGNORECASE)


def lint_graded_text(located: LocatedData) -> list[Problem]:
    if located.data.get("use") != "graded":
        return []
    return [located.problem(path, "a graded question has no persona picker (the exercise fixes the customer and "
                                  f"shows who they are): reword {match.group(0)!r}")
            for path, text in _strings(located.data) for match in [_PICKER.search(text)] if match]


# ----- all of them ---------------------------------------------------------------------------------------------
def lint_scenario(kind: str, located: LocatedData, settings: KitSettings) -> list[Problem]:
    problems = (lint_lengths(kind, located) + lint_whys(kind, located) + lint_spelling(located, settings)
                + lint_graded_text(located))
    if kind == "diagnosis":
        problems += lint_diagnosis(located)
    elif kind == "recovery":
        problems += lint_recovery(located)
    return problems
