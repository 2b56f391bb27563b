"""Checks a JSON Schema cannot express: references between parts of a file, and the shape of conversation graphs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontline.problems import Problem
from frontline.yamlsource import LocatedData

Personas = dict[str, dict[str, Any]]


def _duplicates(located: LocatedData, items_key: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, item in enumerate(located.data.get(items_key, [])):
        if item["id"] in seen:
            problems.append(located.problem((items_key, index, "id"), f"id {item['id']!r} is used twice"))
        seen.add(item["id"])
    return problems


def _persona_keys(located: LocatedData, path: tuple, mapping: dict | None) -> list[Problem]:
    listed = set(located.data.get("personas", []))
    return [located.problem((*path, key), f"persona {key!r} is not listed in this scenario's personas "
                                          f"({', '.join(sorted(listed)) or 'none listed'})")
            for key in (mapping or {}) if key not in listed]


def check_personas_exist(located: LocatedData, personas: Personas) -> list[Problem]:
    return [located.problem(("personas", index), f"persona {pid!r} is not defined in personas.yaml "
                                                 f"(known: {', '.join(sorted(personas))})")
            for index, pid in enumerate(located.data.get("personas", [])) if pid not in personas]


def check_choice(located: LocatedData, personas: Personas) -> list[Problem]:
    data = located.data
    problems = _duplicates(located, "options")
    for index, option in enumerate(data["options"]):
        problems += _persona_keys(located, ("options", index, "score_by_persona"), option.get("score_by_persona"))
        problems += _persona_keys(located, ("options", index, "feedback_by_persona"),
                                  option.get("feedback_by_persona"))
    for persona in data.get("personas", [None]):
        best = max(o.get("score_by_persona", {}).get(persona, o.get("score", 0)) for o in data["options"])
        if best < 1:
            who = f" for persona {persona!r}" if persona else ""
            problems.append(located.problem(("options",), f"no option scores 1 (fully right){who}"))
    return problems


def check_diagnosis(located: LocatedData, personas: Personas) -> list[Problem]:
    data = located.data
    problems = _duplicates(located, "facts") + _duplicates(located, "questions") + _duplicates(located, "issues")
    fact_ids = {f["id"] for f in data["facts"]}
    revealed: set[str] = set()
    for qi, question in enumerate(data["questions"]):
        for ri, fact in enumerate(question.get("reveals", [])):
            revealed.add(fact)
            if fact not in fact_ids:
                problems.append(located.problem(("questions", qi, "reveals", ri),
                                                f"fact {fact!r} is not defined under facts"))
    for fi, fact in enumerate(data["facts"]):
        if fact["id"] not in revealed:
            problems.append(located.problem(("facts", fi, "id"),
                                            f"fact {fact['id']!r} is never revealed by a question"))
    key_facts = [f["id"] for f in data["facts"] if f.get("key")]
    if not key_facts:
        problems.append(located.problem(("facts",), "mark at least one fact 'key: true' (needed for the diagnosis)"))
    if not any(i.get("correct") for i in data["issues"]):
        problems.append(located.problem(("issues",), "no issue is marked 'correct: true'"))
    # The key facts must be findable within the budget, or a perfect score is impossible.
    budget = data.get("budget")
    if isinstance(budget, int) and len(key_facts) > budget:
        problems.append(located.problem(("budget",), f"budget {budget} is too small to uncover the "
                                                     f"{len(key_facts)} key facts"))
    return problems


def recovery_targets(reply: dict[str, Any]) -> list[str]:
    return [reply["to"]] if "to" in reply else [b["to"] for b in reply["branches"]]


def check_recovery(located: LocatedData, personas: Personas) -> list[Problem]:
    data = located.data
    nodes, endings = data["nodes"], data["endings"]
    problems = _persona_keys(located, ("start_mood_by_persona",), data.get("start_mood_by_persona"))
    for clash in sorted(set(nodes) & set(endings)):
        problems.append(located.problem(("endings", clash), f"{clash!r} is both a node and an ending"))
    if data["start"] not in nodes:
        problems.append(located.problem(("start",), f"start node {data['start']!r} is not defined under nodes"))
        return problems
    for node_id, node in nodes.items():
        problems += _persona_keys(located, ("nodes", node_id, "customer_by_persona"), node.get("customer_by_persona"))
        seen: set[str] = set()
        for ri, reply in enumerate(node["replies"]):
            path = ("nodes", node_id, "replies", ri)
            if reply["id"] in seen:
                problems.append(located.problem((*path, "id"), f"reply id {reply['id']!r} is used twice in this node"))
            seen.add(reply["id"])
            problems += _persona_keys(located, (*path, "mood_by_persona"), reply.get("mood_by_persona"))
            if "to" in reply and reply["to"] not in nodes and reply["to"] not in endings:
                problems.append(located.problem((*path, "to"), f"{reply['to']!r} is neither a node nor an ending"))
            for bi, branch in enumerate(reply.get("branches", [])):
                if branch["to"] not in nodes and branch["to"] not in endings:
                    problems.append(located.problem((*path, "branches", bi, "to"),
                                                    f"{branch['to']!r} is neither a node nor an ending"))
            branches = reply.get("branches", [])
            if branches and "min_mood" in branches[-1]:
                problems.append(located.problem((*path, "branches", len(branches) - 1),
                                                "the last branch needs no min_mood (it catches every other mood)"))
    # Reachability from the start, then: from every reachable node some ending must be reachable, and no cycle
    # may trap the customer (a node whose every path loops back never ends).
    reachable: set[str] = set()
    stack = [data["start"]]
    while stack:
        current = stack.pop()
        if current in reachable:
            continue
        reachable.add(current)
        if current in nodes:
            for reply in nodes[current]["replies"]:
                stack.extend(recovery_targets(reply))
    for node_id in nodes:
        if node_id not in reachable:
            problems.append(located.problem(("nodes", node_id), f"node {node_id!r} is unreachable from the start"))
    for ending_id in endings:
        if ending_id not in reachable:
            problems.append(located.problem(("endings", ending_id), f"ending {ending_id!r} is unreachable"))
    ends: set[str] = set(endings)
    changed = True
    while changed:
        changed = False
        for node_id, node in nodes.items():
            if node_id not in ends and any(t in ends for r in node["replies"] for t in recovery_targets(r)):
                ends.add(node_id)
                changed = True
    for node_id in nodes:
        if node_id in reachable and node_id not in ends:
            problems.append(located.problem(("nodes", node_id), f"no path from node {node_id!r} reaches an ending"))
    for node_id, node in nodes.items():
        for ri, reply in enumerate(node["replies"]):
            for target in recovery_targets(reply):
                if target in nodes and target not in ends and node_id in ends:
                    problems.append(located.problem(("nodes", node_id, "replies", ri),
                                                    f"reply {reply['id']!r} leads to {target!r}, which never ends"))
    if not any(e["outcome"] == "kept" and e["score"] == 1 for e in endings.values()):
        problems.append(located.problem(("endings",), "no ending is 'kept' with score 1 (a best outcome)"))
    return problems


def check_empowerment(located: LocatedData, personas: Personas) -> list[Problem]:
    data = located.data
    policy = data["policy"]
    problems = _duplicates(located, "facts")
    clause_ids = {c["id"] for c in policy["clauses"]}
    fact_ids = {f["id"] for f in data["facts"]}
    seen: set[str] = set()
    for index, clause in enumerate(policy["clauses"]):
        if clause["id"] in seen:
            problems.append(located.problem(("policy", "clauses", index, "id"), f"id {clause['id']!r} is used twice"))
        seen.add(clause["id"])
    if policy["escalate_limit"] < policy["alone_limit"]:
        problems.append(located.problem(("policy", "escalate_limit"),
                                        "must be at least alone_limit (a supervisor may grant what you may)"))
    if "must_escalate" in data and "must_refuse" in data:
        problems.append(located.problem(("must_refuse",), "a case either must be escalated or must be refused, "
                                                          "not both"))
    cited = [(("feedback", action, "cites"), entry.get("cites", [])) for action, entry in data["feedback"].items()]
    cited += [((key, "cites"), data[key].get("cites", [])) for key in ("must_escalate", "must_refuse") if key in data]
    for path, clauses in cited:
        for ci, clause in enumerate(clauses):
            if clause not in clause_ids:
                problems.append(located.problem((*path, ci), f"policy clause {clause!r} does not exist (known: "
                                                f"{', '.join(sorted(clause_ids))})"))
    for action, entry in data["feedback"].items():
        for fi, fact in enumerate(entry.get("facts", [])):
            if fact not in fact_ids:
                problems.append(located.problem(("feedback", action, "facts", fi), f"fact {fact!r} does not exist"))
    return problems


def check_ordering(located: LocatedData, personas: Personas) -> list[Problem]:
    data = located.data
    problems = _duplicates(located, "steps")
    ids = [s["id"] for s in data["steps"]]
    start = data.get("start_order")
    if start is not None:
        if sorted(start) != sorted(ids):
            missing, extra = set(ids) - set(start), set(start) - set(ids)
            problems.append(located.problem(("start_order",), "must list every step id once"
                                            + (f"; missing {sorted(missing)}" if missing else "")
                                            + (f"; unknown {sorted(extra)}" if extra else "")))
        elif start == ids:
            problems.append(located.problem(("start_order",), "starts already solved; shuffle it"))
        else:
            from frontline.scenarios.ordering import order_credit

            placed, pairs = order_credit(ids, start)
            if placed or pairs:
                problems.append(located.problem(("start_order",), f"the untouched order would earn credit ({placed} "
                                                f"step(s) already in place, {pairs} pair(s) already next to each "
                                                f"other): start from an order with neither"))
    return problems


def check_calculator(located: LocatedData, personas: Personas) -> list[Problem]:
    from frontline.scenarios.models import MODELS

    data = located.data
    model = MODELS[data["model"]]
    problems = []
    for index, slider in enumerate(data["sliders"]):
        path = ("sliders", index)
        if slider["name"] not in model.parameters:
            problems.append(located.problem((*path, "name"), f"model {data['model']!r} has no input "
                                            f"{slider['name']!r} (inputs: {', '.join(model.parameters)})"))
        if not slider["min"] <= slider["value"] <= slider["max"]:
            problems.append(located.problem((*path, "value"), f"{slider['value']} is outside min..max "
                                                              f"({slider['min']}..{slider['max']})"))
    task = data["task"]
    for name in task["inputs"]:
        if name not in model.parameters:
            problems.append(located.problem(("task", "inputs", name), f"model {data['model']!r} has no input {name!r}"))
    for index, name in enumerate(data.get("show_outputs", [])):
        if name not in model.outputs:
            problems.append(located.problem(("show_outputs", index), f"model {data['model']!r} has no output "
                                            f"{name!r} (outputs: {', '.join(model.outputs)})"))
    if task["output"] not in model.outputs:
        problems.append(located.problem(("task", "output"), f"model {data['model']!r} has no output "
                                        f"{task['output']!r} (outputs: {', '.join(model.outputs)})"))
        return problems
    from frontline.scenarios.calculator import mistaken_value, task_value

    for index, mistake in enumerate(data.get("mistakes", [])):
        path = ("mistakes", index)
        bad = [n for n in mistake.get("inputs", {}) if n not in model.parameters]
        if bad or mistake.get("output", task["output"]) not in model.outputs:
            problems.append(located.problem(path, f"names an input or output model {data['model']!r} does not have"))
            continue
        expected = task_value(data)
        if abs(mistaken_value(data, mistake) - expected) <= task["tolerance"] * max(abs(expected), 1e-9):
            problems.append(located.problem(path, "this mistake gives the right answer, so it cannot be told apart"))
    return problems


KIND_CHECKS: dict[str, Callable[[LocatedData, Personas], list[Problem]]] = {
    "choice": check_choice,
    "diagnosis": check_diagnosis,
    "recovery": check_recovery,
    "empowerment": check_empowerment,
    "ordering": check_ordering,
    "calculator": check_calculator,
}
