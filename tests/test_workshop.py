"""Workshop role-play cards generated from the diagnosis and recovery scenario files."""

from __future__ import annotations

import re

import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from frontline.cli import cli
from frontline.scenarios.loader import list_scenarios, load_scenario
from frontline.workshop.cards import CARD_KINDS, build_cards, diagnosis_cards, recovery_cards
from frontline.workshop.html import render_cards


def _words(text: str) -> str:
    return " ".join(text.replace("**", "").split())


@pytest.fixture(scope="module")
def kit_cards(request):
    repo = request.config.rootpath
    sets, skipped = build_cards(repo)
    return sets, skipped, BeautifulSoup(render_cards(sets), "html.parser")


def test_every_diagnosis_and_recovery_scenario_yields_three_cards(kit_cards, repo):
    sets, skipped, soup = kit_cards
    expected = [sid for sid in list_scenarios(repo) if sid.split("/")[0] in CARD_KINDS]
    assert len(expected) >= 2 and {s.scenario_id for s in sets} == set(expected)
    assert skipped == []
    for kind in CARD_KINDS:
        assert any(s.kind == kind for s in sets)
    assert len(soup.select("section.card")) == 3 * len(expected)
    for role in ("customer", "representative", "observer"):
        assert len(soup.select(f"section.card.{role}")) == len(expected)


def test_hidden_cause_is_on_the_customer_card_only(kit_cards):
    sets, _, soup = kit_cards
    cards = soup.select("section.card")
    for index, card_set in enumerate(sets):
        customer, representative, _observer = (_words(c.get_text(" ")) for c in cards[3 * index:3 * index + 3])
        assert card_set.hidden, card_set.scenario_id
        for secret in card_set.hidden:
            assert _words(secret) in customer, (card_set.scenario_id, secret)
            assert _words(secret) not in representative, (card_set.scenario_id, secret)
        assert card_set.title in representative and "keep this card hidden" in customer


def test_diagnosis_customer_card_says_what_to_reveal_and_when(kit_cards):
    sets, _, _ = kit_cards
    late = next(s for s in sets if s.scenario_id == "diagnosis/late-delivery")
    reveal = next(sec for sec in late.customer.sections if sec.title.startswith("What you reveal"))
    flat = next(item for item in reveal.items if "flat number" in item)
    assert flat.startswith("**Key fact:") and "a probing question" in flat
    real = next(sec for sec in late.customer.sections if sec.title.startswith("What is really going on"))
    spec = load_scenario("diagnosis/late-delivery")
    right = next(issue["text"] for issue in spec.data["issues"] if issue.get("correct"))
    assert real.paragraphs == [right]
    observer_items = " ".join(late.observer.sections[0].items)
    assert "Named the real issue" in observer_items and late.observer.sections[0].tick


def test_recovery_observer_checklist_follows_last_and_heard(kit_cards):
    sets, _, soup = kit_cards
    hotel = next(s for s in sets if s.scenario_id == "recovery/hotel-overbooked")
    checklist = hotel.observer.sections[0].items
    assert any("LAST: Thank" in item for item in checklist)
    assert any("HEARD: Empathize" in item for item in checklist)
    assert soup.select("section.observer ul.tick li")


def test_html_is_printable_one_card_per_page(kit_cards):
    _, _, soup = kit_cards
    style = soup.find("style").string
    assert "@media print" in style and "break-after: page" in style
    for card in soup.select("section.card"):
        heading = card.find("h1")
        assert heading["id"] and card["aria-labelledby"] == heading["id"]
    assert soup.html["lang"] == "en"


def test_content_is_escaped_and_bad_files_are_skipped_not_fatal(kit_copy):
    late = kit_copy / "data" / "scenarios" / "diagnosis" / "late-delivery.yaml"
    data = yaml.safe_load(late.read_text(encoding="utf-8"))
    data["title"] = "Fish & <script>alert('x')</script> chips"
    data["opening"] = "It's <b>late</b> & I'm cross. " + data["opening"]  # keeps the words the lints rely on
    late.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    broken = kit_copy / "data" / "scenarios" / "recovery" / "permit-delay.yaml"
    broken.write_text("kind: recovery\ntitle: [unclosed\n", encoding="utf-8")

    result = CliRunner().invoke(cli, ["workshop", "cards", "-o", str(kit_copy / "out" / "cards.html")])
    assert result.exit_code == 0, result.output
    assert "no cards for recovery/permit-delay" in result.output and "permit-delay.yaml" in result.output
    raw = (kit_copy / "out" / "cards.html").read_text(encoding="utf-8")
    assert "<script>" not in raw and "<b>late</b>" not in raw
    assert "&lt;script&gt;" in raw and "&amp;" in raw
    soup = BeautifulSoup(raw, "html.parser")
    customer = next(c for c in soup.select("section.card.customer")
                    if "Fish & <script>alert('x')</script> chips" in c.get_text())
    assert "It's <b>late</b> & I'm cross" in customer.get_text()
    assert re.search(r"wrote \d+ cards for \d+ scenario", result.output)


def test_cli_one_scenario_and_wrong_kind(tmp_path, kit_copy):
    out = tmp_path / "one.html"
    result = CliRunner().invoke(cli, ["workshop", "cards", "-o", str(out), "--scenario", "diagnosis/late-delivery"])
    assert result.exit_code == 0 and "wrote 3 cards for 1 scenario" in result.output
    result = CliRunner().invoke(cli, ["workshop", "cards", "-o", str(out), "--scenario", "choice/four-levels"])
    assert result.exit_code == 1
    assert "cards are made for diagnosis and recovery scenarios only" in result.output
    assert "no cards were made" in result.output


def test_cards_tolerate_missing_optional_and_new_fields():
    """The scenario files are being rewritten: optional fields may go and new ones may come."""
    diagnosis = diagnosis_cards("diagnosis/x", "A bare interview", {
        "intro": "You staff a help desk.\n\nPick a persona.", "situation_notes": "a field the cards do not know",
        "opening": "It is broken.", "facts": [{"id": "cause", "text": "The cable is unplugged.", "key": True}],
        "questions": [{"id": "q", "type": "open", "text": "Tell me what you see.", "answer": "Nothing."}],
        "issues": [{"id": "i", "text": "The cable is unplugged.", "correct": True, "feedback": "Yes."}]}, {})
    assert diagnosis.representative.sections[0].paragraphs == ["You staff a help desk."]
    assert "Keep this to yourself" in diagnosis.customer.sections[3].items[0]
    recovery = recovery_cards("recovery/x", "A short recovery", {
        "intro": "A guest is angry.", "start": "a",
        "nodes": {"a": {"customer": "Where is my room?", "replies": [
            {"id": "r", "text": "I am sorry, I have booked you a room.", "mood": 20, "to": "done"}]}},
        "endings": {"done": {"outcome": "kept", "text": "They stay."}}}, {})
    assert recovery.hidden == ["I am sorry, I have booked you a room."]
    html = render_cards([diagnosis, recovery])
    assert html.count('class="page card ') == 6
