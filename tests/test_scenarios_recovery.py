"""Recovery conversations: reply buttons, the mood meter, endings, LAST/HEARD debrief and persona differences."""

from __future__ import annotations

import pytest
from scenario_helpers import Published

import frontline
from frontline.scenarios import AnswerTypeError, ProgressStore, ScenarioError, check_folder

ID = "recovery/after-hours-voicemail"


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def test_clicking_replies_moves_the_mood_meter_in_text_number_and_bar(store):
    s = frontline.scenario(ID, persona="pressed-for-time", store=store)
    ui = s.widget and s.ui
    assert ui.mood_bar.value == 25 and "25/100 (angry)" in ui.mood_label.value and "█" in ui.mood_label.value
    assert ui.mood_bar.description == "Customer mood"
    ui.reply_buttons["brief-and-focused"].click()
    assert s.mood == 45 and ui.mood_bar.value == 45 and "45/100 (uneasy)" in ui.mood_label.value
    assert "tax code T9" in ui.transcript.value and "(mood +20)" in ui.transcript.value
    assert set(ui.reply_buttons) == {"diagnose-and-fix", "script-cache", "escalate-24h"}


def test_best_path_keeps_the_customer_and_debriefs_against_last_and_heard(store):
    s = frontline.scenario(ID, persona="pressed-for-time", store=store)
    ui = s.widget and s.ui
    for reply in ("brief-and-focused", "diagnose-and-fix", "thank-and-follow-up"):
        ui.reply_buttons[reply].click()
    assert s.finished and s.ending == "kept-loyal" and ui.reply_buttons == {}
    with Published() as events:
        ui.submit.click()
    result = s.feedback
    assert result.correct and result.details["outcome"] == "kept" and result.details["value"] == 24000
    assert "✔ Customer kept — value at stake $24,000 (illustrative)" in ui.feedback.value
    assert "LAST: ✔ Listen  ✔ Apologize  ✔ Solve  ✔ Thank" in result.messages
    assert "HEARD: ✔ Hear  ✔ Empathize  ✔ Apologize  ✔ Resolve  ✔ Diagnose" in result.messages
    assert events[0].answer == {"path": ["brief-and-focused", "diagnose-and-fix", "thank-and-follow-up"],
                                "ending": "kept-loyal"}
    assert events[0].details["persona"] == "pressed-for-time"


def test_the_same_replies_land_differently_with_another_persona(store):
    path = ("brief-and-focused", "diagnose-and-fix")
    hurried = frontline.scenario(ID, persona="pressed-for-time", store=store)
    worried = frontline.scenario(ID, persona="needs-reassurance", store=store)
    for reply in path:
        hurried.reply(reply)
        worried.reply(reply)
    assert hurried.node == "it-ran" and hurried.mood == 65
    assert worried.ending == "kept-grudging" and worried.mood == 45  # the curt opening cost the branch
    assert worried.submit().partial
    worried.retry()
    for reply in ("own-it-warmly", "diagnose-and-fix", "thank-and-follow-up"):
        worried.reply(reply)
    assert worried.submit().correct


def test_switching_persona_mid_conversation_asks_first_then_restarts_the_conversation(store):
    s = frontline.scenario(ID, store=store)
    ui = s.widget and s.ui
    ui.reply_buttons["explain-the-rota"].click()
    node = s.node
    ui.persona.value = "wants-the-facts"
    # nothing is wiped yet: the widget asks, in words, with two buttons
    assert s.persona == "pressed-for-time" and s.node == node
    assert ui.persona_confirm.layout.display == "flex" and "starts this conversation again" in \
        ui.persona_confirm_text.value
    ui.persona_keep.click()
    assert ui.persona.value == "pressed-for-time" and s.node == node and ui.persona_confirm.layout.display == "none"
    ui.persona.value = "wants-the-facts"
    ui.persona_switch.click()
    assert s.persona == "wants-the-facts" and s.node == "opening" and s.mood == 25
    assert "Ms. Lindqvist" in ui.persona.label and "written" in ui.persona_text.value
    # at the start of a conversation a switch needs no confirmation
    ui.persona.value = "pressed-for-time"
    assert s.persona == "pressed-for-time" and ui.persona_confirm.layout.display == "none"


def test_a_lost_customer_scores_zero_and_the_debrief_shows_missing_steps(store):
    s = frontline.scenario(ID, store=store)
    s.reply("explain-the-rota")
    s.reply("log-complaint")
    result = s.submit()
    assert result.score == 0 and not result.partial and result.details["outcome"] == "lost"
    assert "LAST: ✘ Listen  ✘ Apologize  ✘ Solve  ✘ Thank" in result.messages


def test_mood_branches_decide_the_next_step(store):
    s = frontline.scenario("recovery/hotel-overbooked", persona="needs-reassurance", store=store)
    s.reply("show-me-email")          # 20 - 5 = 15
    s.reply("must-check-dates")       # 15 - 10 = 5 -> below 15: the guest walks out
    assert s.ending == "lost-walks-out"
    s.retry()
    s.reply("own-it")                 # 20 + 20 = 40
    s.reply("pay-and-claim")          # 40 - 5 = 35 -> kept, grudgingly
    assert s.ending == "kept-grudging"


def test_unfinished_conversations_and_wrong_replies_explain_themselves(store):
    s = frontline.scenario(ID, store=store)
    assert not s.submit().complete
    with pytest.raises(AnswerTypeError, match="'thank-and-follow-up' is not a reply you can give now; choose one of"):
        s.reply("thank-and-follow-up")
    s.reply("explain-the-rota")
    s.reply("log-complaint")
    with pytest.raises(ScenarioError, match="conversation has ended"):
        s.reply("anything")
    with pytest.raises(ScenarioError, match="no persona 'grumpy'"):
        frontline.scenario(ID, persona="grumpy", store=store)
    with pytest.raises(ScenarioError, match="not played against personas"):
        frontline.scenario("recovery/permit-delay", persona="pressed-for-time", store=store)


def test_hints_are_staged_and_the_solution_opens_after_an_attempt(store):
    s = frontline.scenario(ID, store=store)
    ui = s.widget and s.ui
    ui.hint.click()
    ui.hint.click()
    assert "Hint 2 of 3" in ui.hints.value and "Hint 3" not in ui.hints.value
    ui.solution.click()
    assert ui.solution_box.value == "" and "first attempt" in ui.notice.value
    s.reply("explain-the-rota")
    s.reply("log-complaint")
    ui.submit.click()
    ui.solution.click()
    assert "24/7" in ui.solution_box.value and ui.notice.value == ""


def test_full_marks_need_every_step_the_debrief_shows(store, kit_copy):
    # An author's ending that scores 1 after a path missing a step: frontline check names the ending and the path.
    path = kit_copy / "data" / "scenarios" / "recovery" / "hotel-overbooked.yaml"
    path.write_text(path.read_text().replace("steps: [thank, diagnose]", "steps: [thank]"))
    problems = [str(p) for p in check_folder(kit_copy / "data" / "scenarios")]
    assert any("hotel-overbooked.yaml:" in p and "field 'endings.kept-advocate.score': scores 1 but the path "
               "own-it → walk-with-care → thank-and-own" in p and "shows ✘ on diagnose" in p for p in problems)


def test_hotel_overbooked_best_path_is_full_marks_with_every_step_and_only_the_stated_authority(store):
    for persona, opening in (("needs-reassurance", "own-it"), ("loyal-regular", "recognise-the-regular")):
        s = frontline.scenario("recovery/hotel-overbooked", persona=persona, store=store)
        for reply in (opening, "walk-with-care", "thank-and-own"):
            s.reply(reply)
        result = s.submit()
        assert result.correct and not any(m.startswith("✘") for m in result.messages), persona
        assert "✘" not in " ".join(m for m in result.messages if m.startswith(("LAST", "HEARD")))
    # nothing on the best path grants what the intro did not authorise
    assert "dinner" not in s.data["nodes"]["the-plan"]["replies"][0]["text"]
    assert "hotel across the road at your hotel's cost" in " ".join(s.data["intro"].split())


def test_a_path_that_misses_a_step_scores_below_full_marks(store):
    s = frontline.scenario("recovery/hotel-overbooked", persona="needs-reassurance", store=store)
    s.data["nodes"]["warmer"]["replies"][0]["steps"] = ["thank"]  # as if the author had left out diagnose
    for reply in ("own-it", "walk-with-care", "thank-and-own"):
        s.reply(reply)
    result = s.submit()
    assert result.score == pytest.approx(0.9) and "Steps you did not show: Diagnose." in result.messages
