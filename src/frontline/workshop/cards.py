"""Role-play cards built from the diagnosis and recovery scenario files.

For each scenario: a **customer** card (who they are, what is really going on, and what they reveal only when asked
the right way), a **representative** card (only what the representative would know at the start) and an
**observer** checklist (what to watch for, and the debrief). The scenario engine's files are read through
:func:`frontline.scenarios.loader.load_practice_scenario`, so a graded-only scenario (kept for a graded exercise)
never becomes a card; fields are read defensively, so a scenario that gains or loses an
optional field still yields cards, and one that cannot be read is reported, never fatal for the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from frontline.problems import ContentError
from frontline.scenarios.loader import list_scenarios, load_practice_scenario

CARD_KINDS = ("diagnosis", "recovery")
QUESTION_TYPES = {"open": "an open question", "probing": "a probing question", "closed": "a closed question",
                  "summarising": "a summary"}
STEP_WORDS = {
    "listen": "Listened (LAST) before explaining or fixing",
    "hear": "Let the customer tell the whole story (HEARD: Hear)",
    "empathize": "Showed they understood how it affects the customer (HEARD: Empathize)",
    "apologize": "Apologised for what went wrong, specifically (LAST and HEARD: Apologize)",
    "solve": "Offered a fix within their authority (LAST: Solve)",
    "resolve": "Resolved it, with a next step and a time (HEARD: Resolve)",
    "thank": "Thanked the customer (LAST: Thank)",
    "diagnose": "Checked the facts without making the customer prove themselves (HEARD: Diagnose)",
}
STEP_ORDER = tuple(STEP_WORDS)

Role = Literal["customer", "representative", "observer"]


@dataclass
class Section:
    """A block of a card: a title, paragraphs, and items (tick boxes on an observer's checklist)."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    tick: bool = False


@dataclass
class Card:
    role: Role
    heading: str
    notice: str
    sections: list[Section]


@dataclass
class CardSet:
    scenario_id: str
    title: str
    kind: str
    customer: Card
    representative: Card
    observer: Card
    hidden: list[str]  # what only the customer (and the observer) may know: tests keep it off the representative card

    @property
    def cards(self) -> list[Card]:
        return [self.customer, self.representative, self.observer]


@dataclass(frozen=True)
class Skipped:
    scenario_id: str
    reason: str


CUSTOMER_NOTICE = "Customer: keep this card hidden from the representative."
REPRESENTATIVE_NOTICE = "Representative: everything you know before the conversation starts."
OBSERVER_NOTICE = "Observer: tick what you see and hear; quote the words for the debrief."


def situation(data: dict[str, Any]) -> str:
    """What the representative knows at the start: the ``situation`` field if a scenario has one, else the first
    paragraph of its intro (later paragraphs address the on-screen widget or give sources)."""
    text = data.get("situation") or re.split(r"\n\s*\n", str(data.get("intro", "")).strip())[0]
    return " ".join(text.split())


def _persona_sections(spec_personas: dict[str, dict[str, Any]], openings: dict[str, str]) -> list[Section]:
    sections = []
    for persona_id, persona in spec_personas.items():
        items = [f"You want: {e}" for e in persona.get("expects", [])]
        items += [f"You dislike: {d}" for d in persona.get("dislikes", [])]
        paragraphs = [str(persona.get("description", ""))]
        if persona_id in openings:
            paragraphs.append(f"Open with: “{openings[persona_id]}”")
        sections.append(Section(f"If you play {persona.get('name', persona_id)}", [p for p in paragraphs if p], items))
    return sections


def _hidden_persona_lines(spec_personas: dict[str, dict[str, Any]]) -> list[str]:
    return [f"You want: {e}" for p in spec_personas.values() for e in p.get("expects", [])]


def diagnosis_cards(scenario_id: str, title: str, data: dict[str, Any],
                    personas: dict[str, dict[str, Any]]) -> CardSet:
    facts = {f["id"]: f for f in data.get("facts", [])}
    questions = data.get("questions", [])
    issues = data.get("issues", [])
    real = [i["text"] for i in issues if i.get("correct")]
    symptoms = [i["text"] for i in issues if not i.get("correct")]
    key_facts = [f["text"] for f in facts.values() if f.get("key")]
    budget = data.get("budget")

    reveals = []
    for fact in facts.values():
        asked = [q for q in questions if fact["id"] in q.get("reveals", [])]
        if not asked:
            key = "Key fact: " if fact.get("key") else ""
            reveals.append(f"**{key}{fact['text']}** Keep this to yourself: no question in the scenario brings it "
                           "out.")
            continue
        ways = " or ".join(dict.fromkeys(QUESTION_TYPES.get(q.get("type"), "a question") for q in asked))
        key = "Key fact: " if fact.get("key") else ""
        reveals.append(f"**{key}{fact['text']}** Only in answer to {ways}.")
    answers = [f"Asked “{q['text']}” ({q.get('type', 'question')}): “{q['answer']}”" for q in questions
               if q.get("answer")]

    customer = Card("customer", "Customer", CUSTOMER_NOTICE, [
        Section("What the representative knows", [situation(data)]),
        Section("Open with", [f"“{data.get('opening', '')}”"]),
        Section("What is really going on (never say it outright)", real),
        Section("What you reveal, and only when asked the right way", items=reveals),
        Section("How to play it", items=[
            "Answer open questions (tell me, describe, explain) fully, in your own words.",
            "Answer closed questions with a short yes or no, and add nothing.",
            "If the representative summarises wrongly, correct them; if rightly, say so.",
            "If they jump to a fix before they understand, accept it grudgingly: you are not satisfied.",
        ]),
        Section("Your lines, if you need them", items=answers),
        *_persona_sections(personas, {}),
    ])
    representative = Card("representative", "Representative", REPRESENTATIVE_NOTICE, [
        Section("The situation", [situation(data)]),
        Section("The customer opens with", [f"“{data.get('opening', '')}”"]),
        Section("Your task", [
            (f"You have {budget} questions before the customer expects you to act. " if budget else "")
            + "Find out what the customer really needs, summarise it back, then say what you will do and when.",
        ]),
    ])
    observer = Card("observer", "Observer", OBSERVER_NOTICE, [
        Section(f"{title}: the questioning funnel", tick=True, items=[
            "Opened with an open question (tell me, describe, explain)",
            "Probed for facts that can be checked",
            "Used closed questions only to confirm",
            "Summarised back and asked “Have I got that right?”",
            *(f"Uncovered: {k}" for k in key_facts),
            *(f"Named the real issue: {r}" for r in real),
            "Said what they will do next, and when",
        ]),
        Section("Watch for a fix aimed at the symptom", items=symptoms),
        Section("Debrief", [" ".join(str(data.get("solution", "")).split())]),
    ])
    return CardSet(scenario_id, title, "diagnosis", customer, representative, observer,
                   hidden=real + key_facts + _hidden_persona_lines(personas))


def recovery_cards(scenario_id: str, title: str, data: dict[str, Any],
                   personas: dict[str, dict[str, Any]]) -> CardSet:
    nodes: dict[str, dict[str, Any]] = data.get("nodes", {})
    start = nodes.get(data.get("start", ""), {})
    replies = [r for node in nodes.values() for r in node.get("replies", [])]
    helps = sorted((r for r in replies if r.get("mood", 0) > 0), key=lambda r: -r.get("mood", 0))
    hurts = sorted((r for r in replies if r.get("mood", 0) < 0), key=lambda r: r.get("mood", 0))
    openings = {p: start["customer_by_persona"][p] for p in personas if p in start.get("customer_by_persona", {})}
    endings = data.get("endings", {})
    kept = [e["text"] for e in endings.values() if e.get("outcome") == "kept"]
    lost = [e["text"] for e in endings.values() if e.get("outcome") == "lost"]
    wins = [f"“{r['text']}”" for r in helps]
    worse = [f"“{r['text']}”" for r in hurts]
    worse_why = [f"“{r['text']}” ({r['note']})" if r.get("note") else f"“{r['text']}”" for r in hurts]
    lines = [f"“{node.get('customer', '')}”" for node_id, node in nodes.items() if node_id != data.get("start")]

    customer = Card("customer", "Customer", CUSTOMER_NOTICE, [
        Section("What the representative knows", [situation(data)]),
        Section("Open with", [f"“{start.get('customer', '')}”"]),
        Section("What wins you round (keep it to yourself)", items=wins),
        Section("What makes it worse", items=worse),
        Section("Your lines as the conversation goes on", items=lines),
        Section("How it can end", items=[f"If you are won round: {k}" for k in kept]
                + [f"If you are not: {t}" for t in lost]),
        *_persona_sections(personas, openings),
    ])
    representative = Card("representative", "Representative", REPRESENTATIVE_NOTICE, [
        Section("The situation", [situation(data)]),
        Section("The customer opens with", [f"“{start.get('customer', '')}”"]),
        Section("Your task", ["Recover the situation: listen, apologise for what went wrong, put it right within "
                              "your authority, say what happens next and when, and thank the customer."]),
    ])
    used = {s for r in replies for s in r.get("steps", [])}
    steps = [STEP_WORDS[s] for s in STEP_ORDER if s in used]
    observer = Card("observer", "Observer", OBSERVER_NOTICE, [
        Section(f"{title}: LAST and HEARD", tick=True, items=[
            *steps,
            "Stayed within their authority, and used all of it",
            "Blamed no one: not the customer, a colleague or the system",
        ]),
        Section("Replies that help, as written in the scenario", items=[f"“{r['text']}”" for r in helps[:4]]),
        Section("Watch for", items=worse_why),
        Section("Debrief", [" ".join(str(data.get("solution", "")).split())]),
    ])
    hidden = [r["text"] for r in helps] + _hidden_persona_lines(personas)
    return CardSet(scenario_id, title, "recovery", customer, representative, observer, hidden=hidden)


BUILDERS = {"diagnosis": diagnosis_cards, "recovery": recovery_cards}


def build_cards(root: Path | None = None, only: list[str] | None = None) -> tuple[list[CardSet], list[Skipped]]:
    """Card sets for every practice diagnosis and recovery scenario (or those in ``only``), and the ones that
    failed or were refused (a graded-only scenario named in ``only``)."""
    wanted = only or [sid for sid in list_scenarios(root) if sid.split("/")[0] in CARD_KINDS]
    sets, skipped = [], []
    for scenario_id in wanted:
        kind = scenario_id.split("/")[0]
        if kind not in BUILDERS:
            skipped.append(Skipped(scenario_id, f"cards are made for {' and '.join(CARD_KINDS)} scenarios only"))
            continue
        try:
            spec = load_practice_scenario(scenario_id, root)
            sets.append(BUILDERS[kind](spec.id, spec.title, spec.data, spec.personas))
        except (ContentError, LookupError) as e:
            skipped.append(Skipped(scenario_id, str(e)))
        except (KeyError, TypeError, AttributeError) as e:  # a field this version of the cards does not know yet
            skipped.append(Skipped(scenario_id, f"the file's fields do not match what the cards expect ({e!r})"))
    return sets, skipped
