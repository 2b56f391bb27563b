"""The knowledge check's answer key stays with the trainer, and no option gives itself away by its length.

A trainee's kernel can read everything under ``data/`` and the released notebooks; the key (right option and every
option's why) may live only in ``grading/knowledge/key.yaml`` and in the hidden tests of the source notebooks. The
scanner below looks for each item's key in an answer position; it is shown to find the key where it is (the source
notebooks, the key file, the items file in its old shape), so a key that leaks back fails these tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from frontline.kit import KitPaths
from frontline.knowledge import (
    FORMS,
    KEY_FILE,
    LENGTH_MEASURES,
    MAX_LENGTH_PICK_RATE,
    ItemKey,
    KnowledgeItem,
    absolute_pick_rates,
    check_knowledge,
    length_pick_rates,
    load_items,
    load_key,
    notebook_path,
)
from frontline.option_form import (
    MAX_ABSOLUTE_PICK_RATE,
    MAX_LONGEST_RATIO,
    MAX_MEAN_RATIO,
    absolute_word_pick_rates,
    absolute_words,
    length_ratios,
)
from frontline.workspace.editions import release_version

REPO = Path(__file__).resolve().parents[1]
ANSWER_WORDS = r"(?:answer|correct|right_option|solution|key)"


def key_leaks(text: str, items: list[KnowledgeItem], keys: dict[str, ItemKey]) -> list[str]:
    """Where ``text`` gives away an item's key: any of its whys, or its right option (id or text) written as an
    answer (``answer: b``, ``answer="b"``, ``"correct": "<text>"``) within the item's own part of the text."""
    flat = " ".join(text.split())
    ids = sorted({m.start(): i.id for i in items for m in re.finditer(re.escape(i.id), text)}.items())
    leaks = []
    for item in items:
        key = keys[item.id]
        leaks += [f"{item.id}: the why of option {o}" for o, why in key.why.items() if " ".join(why.split()) in flat]
        right = re.escape(item.text(key.answer))
        position = re.compile(rf"\b{ANSWER_WORDS}\b['\"]?\s*[:=]\s*['\"]?(?:{key.answer}\b|{right})", re.IGNORECASE)
        for number, (start, item_id) in enumerate(ids):
            if item_id != item.id:
                continue
            end = ids[number + 1][0] if number + 1 < len(ids) else len(text)
            if position.search(text, start, end):
                leaks.append(f"{item.id}: its right option {key.answer!r} written as the answer")
                break
    return leaks


def notebook_text(notebook) -> str:
    """Everything a trainee opening the notebook could read: sources, outputs and metadata."""
    return "\n".join([json.dumps(notebook.get("metadata", {}), ensure_ascii=False)]
                     + [cell.source + json.dumps(cell.get("outputs", []), ensure_ascii=False)
                        + json.dumps(cell.metadata, ensure_ascii=False) for cell in notebook.cells])


@pytest.fixture(scope="module")
def content():
    return load_items(REPO), load_key(REPO)


@pytest.mark.parametrize("form", FORMS)
def test_the_released_check_holds_no_answer_while_its_source_holds_every_one(content, form):
    items, keys = content
    mine = [i for i in items if i.form == form]
    source = nbformat.read(notebook_path(REPO, form), as_version=4)
    leaked = key_leaks(notebook_text(source), mine, keys)
    assert {leak.split(":")[0] for leak in leaked} == {i.id for i in mine}, "the scanner finds the key in the source"
    released = release_version(source)  # nbgrader's own preprocessors, as `grade generate` and `frontline lab` use
    assert key_leaks(notebook_text(released), items, keys) == []
    assert "mark_knowledge" not in notebook_text(released)
    assert sum('check.knowledge_question("' in c.source for c in released.cells) == len(mine), "every question shown"


def test_nothing_under_data_holds_the_answer_key(content):
    items, keys = content
    scanned = 0
    for path in sorted(p for p in (REPO / "data").rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary data (none holds text a trainee reads as an answer)
        assert key_leaks(text, items, keys) == [], path
        scanned += 1
    assert scanned > 10
    # The controls: the key file, and the items file in the shape it had when it held the answers, are caught.
    key_text = (REPO / KEY_FILE).read_text(encoding="utf-8")
    assert len(key_leaks(key_text, items, keys)) >= len(items)
    items_text = (REPO / "data" / "knowledge" / "items.yaml").read_text(encoding="utf-8")
    item = items[3]
    old_shape = items_text.replace(f"  - id: {item.id}\n",
                                   f"  - id: {item.id}\n    answer: {keys[item.id].answer}\n")
    assert key_leaks(old_shape, items, keys) == [f"{item.id}: its right option {keys[item.id].answer!r} written as "
                                                 f"the answer"]


def test_an_items_file_with_answers_is_refused_with_file_line_and_field(content, tmp_path):
    from frontline.knowledge import check_items_file

    items, keys = content
    text = (REPO / "data" / "knowledge" / "items.yaml").read_text(encoding="utf-8")
    path = tmp_path / "items.yaml"
    item = items[0]
    path.write_text(text.replace(f"  - id: {item.id}\n", f"  - id: {item.id}\n    answer: {keys[item.id].answer}\n"),
                    encoding="utf-8")
    _, problems = check_items_file(path, None)
    line = text[: text.index(f"  - id: {item.id}\n")].count("\n") + 1
    assert [(p.line, p.field) for p in problems] == [(line, "items[0]")]
    assert "'answer' was unexpected" in problems[0].message


@pytest.fixture
def kit(kit_copy):
    return kit_copy  # a private copy of the kit's content (tests/conftest.py)


def problems_of(kit: Path) -> list[str]:
    return [str(p.relative_to(kit)) for p in check_knowledge(KitPaths(kit))]


def test_the_kit_passes_the_knowledge_check():
    assert [str(p) for p in check_knowledge(KitPaths(REPO))] == []


def test_a_broken_key_is_reported_with_file_line_item_and_field(kit):
    path = kit / KEY_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index("  k01-customer-cycle-pre:\n")
    why_c = text.index("      c: ", start)
    broken = text[:why_c] + "      e: \"A why for an option that this question does not have.\"\n" \
        + text[text.index("\n", why_c) + 1:]
    broken = broken.replace("  k09-rank-problems-post:\n", "  k09-rank-problems-later:\n")
    path.write_text(broken, encoding="utf-8")
    found = problems_of(kit)
    line = broken[: broken.index("      e: ")].count("\n") + 1
    assert f"grading/knowledge/key.yaml:{line}: field 'key.k01-customer-cycle-pre.why.e': item " \
           f"'k01-customer-cycle-pre' has no option 'e' (a, b, c)" in found, found
    assert any(p.startswith("grading/knowledge/key.yaml:") and "field 'key.k01-customer-cycle-pre.why'" in p
               and "no why for option 'c'" in p for p in found), found
    assert any("field 'key.k09-rank-problems-later'" in p and "there is no item 'k09-rank-problems-later'" in p
               for p in found), found
    assert any("field 'key'" in p and "item 'k09-rank-problems-post' of data/knowledge/items.yaml has no answer here"
               in p for p in found), found


def test_a_right_option_longer_than_the_word_limits_is_named_with_its_line(kit):
    """The fishbone item as it was: "People." / "Policies." / "Place and systems." (right) gave itself away."""
    path = kit / "data" / "knowledge" / "items.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: k04-fishbone-pre\n")
    block = text[start: text.index("  - id: k04-fishbone-post\n")]
    old = re.sub(r'text: "People:[^"]*"', 'text: "People."', block)
    old = re.sub(r'text: "Policies:[^"]*"', 'text: "Policies."', old)
    old = re.sub(r'text: "Place and systems:[^"]*"', 'text: "Place and systems."', old)
    text = text.replace(block, old)
    path.write_text(text, encoding="utf-8")
    line = text.index('text: "Place and systems."')
    line = text[:line].count("\n") + 1
    found = problems_of(kit)
    assert any(p.startswith(f"data/knowledge/items.yaml:{line}: field 'items[") and "'k04-fishbone-pre'" in p
               and "3 words, 3.00× the other options' mean (at most 1.4)" in p for p in found), found


def test_a_form_whose_right_options_are_mostly_the_longest_is_refused(kit):
    """Lengthen every right option of the post check by a word and a half a dozen characters: always picking the
    longest option would then beat chance, which the check reports per form and measure."""
    items, keys = load_items(kit), load_key(kit)
    path = kit / "data" / "knowledge" / "items.yaml"
    text = path.read_text(encoding="utf-8")
    for item in items:
        if item.form == "post" and len(item.text(keys[item.id].answer).split()) > 1:
            right = item.text(keys[item.id].answer)
            text = text.replace(json.dumps(right, ensure_ascii=False),
                                json.dumps(right.rstrip(".") + " in practice.", ensure_ascii=False), 1)
    path.write_text(text, encoding="utf-8")
    found = "\n".join(problems_of(kit))
    assert "in the post check, always picking the longest option (in words) scores" in found, found
    assert "in the post check, always picking the longest option (in characters) scores" in found
    assert "in the pre check" not in found


@pytest.mark.parametrize("form", FORMS)
def test_picking_by_length_scores_about_chance_in_each_form(content, form):
    items, keys = content
    mine = [i for i in items if i.form == form]
    rates = {name: length_pick_rates(mine, keys, measure) for name, measure in LENGTH_MEASURES.items()}
    for name, by_strategy in rates.items():
        print(f"{form}: picking the longest option (in {name}) scores {by_strategy['longest']:.0%}, "
              f"the shortest {by_strategy['shortest']:.0%} (chance: 33%)")
        assert by_strategy["longest"] <= MAX_LENGTH_PICK_RATE and by_strategy["shortest"] <= MAX_LENGTH_PICK_RATE
    for item in mine:
        answer = keys[item.id].answer
        to_mean, to_longest = length_ratios(item.text(answer), [item.text(o) for o in item.option_ids if o != answer])
        assert to_mean <= MAX_MEAN_RATIO and to_longest <= MAX_LONGEST_RATIO, item.id


def test_length_pick_rates_count_ties_as_a_random_pick():
    def item(item_id, *texts):
        return KnowledgeItem({"id": item_id, "form": "pre", "options": [{"id": "abc"[n], "text": t}
                                                                         for n, t in enumerate(texts)]})

    items = [item("k01-a", "one two", "one two three", "one"), item("k01-b", "x y", "x y", "x")]
    keys = {"k01-a": ItemKey("b", {}), "k01-b": ItemKey("a", {})}
    rates = length_pick_rates(items, keys, LENGTH_MEASURES["words"])
    assert rates == {"longest": (1 + 0.5) / 2, "shortest": 0.0}


@pytest.mark.parametrize("form", FORMS)
def test_avoiding_absolute_words_scores_about_chance_in_each_form(content, form):
    """"Only", "never", "all"... used to mark wrong options (24% of them, 6% of right ones): a trainee who skipped
    such options scored 42% on the pre check, where chance is 33%."""
    items, keys = content
    mine = [i for i in items if i.form == form]
    rates = absolute_pick_rates(mine, keys)
    right = [item.text(keys[item.id].answer) for item in mine]
    wrong = [item.text(o) for item in mine for o in item.option_ids if o != keys[item.id].answer]
    share = {name: sum(bool(absolute_words(t)) for t in texts) / len(texts)
             for name, texts in (("right", right), ("wrong", wrong))}
    print(f"{form}: avoiding options with an absolute word scores {rates['avoid']:.0%}, seeking them "
          f"{rates['seek']:.0%} (chance: 33%); such a word is in {share['wrong']:.0%} of wrong options and "
          f"{share['right']:.0%} of right ones")
    assert rates["avoid"] <= MAX_ABSOLUTE_PICK_RATE and rates["seek"] <= MAX_ABSOLUTE_PICK_RATE


def test_a_form_whose_wrong_options_say_always_is_refused(kit):
    items, keys = load_items(kit), load_key(kit)
    path = kit / "data" / "knowledge" / "items.yaml"
    text = path.read_text(encoding="utf-8")
    for item in items:
        for option in item.option_ids:
            if item.form == "pre" and option != keys[item.id].answer:
                wrong = item.text(option)
                text = text.replace(json.dumps(wrong, ensure_ascii=False),
                                    json.dumps(wrong.rstrip(".") + ", always.", ensure_ascii=False), 1)
    path.write_text(text, encoding="utf-8")
    found = "\n".join(problems_of(kit))
    assert re.search(r"in the pre check, a trainee who avoids the options with an absolute word \(only, never, "
                     r"all, \.\.\.\) scores 9\d%, more than 40%", found), found
    assert "in the post check" not in found


def test_absolute_word_pick_rates_count_ties_as_a_random_pick():
    rates = absolute_word_pick_rates([
        ("Fix it now.", ["Only fix it later.", "Never fix it."]),   # avoiding picks the right one
        ("All of them.", ["Some of them.", "A few of them."]),      # seeking picks the right one
        ("Ask first.", ["Ask later.", "Do not ask."]),              # no absolute word: a random pick
    ])
    assert rates == pytest.approx({"avoid": (1 + 0 + 1 / 3) / 3, "seek": (0 + 1 + 1 / 3) / 3})


@pytest.mark.parametrize("form", FORMS)
def test_picking_by_position_scores_about_chance_in_each_form(content, form):
    """The right option used to be b in 16 of the 35 pre items and a in 16 of the 35 post ones: always clicking
    that place scored 46%, where chance is 33%."""
    items, keys = content
    mine = [i for i in items if i.form == form]
    for place in range(max(len(i.option_ids) for i in mine)):
        hits = sum(len(i.option_ids) > place and keys[i.id].answer == i.option_ids[place] for i in mine)
        print(f"{form}: always picking option {place + 1} scores {hits / len(mine):.0%}")
        assert hits / len(mine) <= MAX_LENGTH_PICK_RATE, (form, place + 1)


def test_only_the_right_options_why_says_right(content):
    """The feedback reads the why of the chosen option and of the right one: a wrong option's why that opened
    "Right in substance" or "Possible in part" told a trainee who lost the point that they were right."""
    items, keys = content
    conceding = ("right", "correct", "possible", "partly", "usually", "sometimes")
    for item in items:
        key = keys[item.id]
        for option, why in key.why.items():
            first = why.split()[0].strip(":;,.").lower()
            if option == key.answer:
                assert first == "right", (item.id, option, why)
            else:
                assert first not in conceding, (item.id, option, why)
