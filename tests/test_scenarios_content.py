"""Scenario content: every shipped file validates, broken fixtures are reported with file, line and field,
`frontline check` runs the scenario checker, and `frontline new-scenario` scaffolds valid files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import frontline
from frontline.cli import cli
from frontline.problems import ContentError
from frontline.scenarios import KINDS, ProgressStore, check_folder, list_scenarios, load_scenario
from frontline.scenarios.loader import UnknownScenarioError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "scenarios"

# The ids lessons reference (the shared lesson-metadata contract); every one must ship.
CONTRACT_IDS = {
    "diagnosis/late-delivery", "diagnosis/broadband-dropouts", "diagnosis/double-charge",
    "diagnosis/branch-queue-promise", "diagnosis/colleague-report-access",
    "recovery/after-hours-voicemail", "recovery/hotel-overbooked", "recovery/utility-billing-error",
    "recovery/permit-delay",
    "empowerment/postie-forwarding", "empowerment/hotel-guest-occasion", "empowerment/return-without-receipt",
    "empowerment/outage-credit", "empowerment/colleague-urgent-laptop",
    "ordering/last-recovery", "ordering/heard-recovery", "ordering/questioning-funnel", "ordering/five-whys-chain",
    "calculator/lifetime-value", "calculator/complaint-iceberg", "calculator/staffing-wait",
    "choice/welcome-practice", "choice/which-response-fits", "choice/internal-or-external", "choice/four-levels",
    "choice/metric-for-the-goal", "choice/leadership-dilemma",
}


def test_every_shipped_scenario_passes_schema_and_graph_checks():
    assert check_folder(REPO / "data" / "scenarios") == []


def test_the_library_ships_every_contract_id_across_industries():
    ids = set(list_scenarios())
    assert ids >= CONTRACT_IDS
    specs = [load_scenario(sid) for sid in ids]
    assert {s.data["industry"] for s in specs} >= {"retail", "telecom", "banking", "hospitality", "software",
                                                   "utilities", "public service"}
    assert sum(s.data["customer"] == "internal" for s in specs) >= 3
    assert {s.kind for s in specs} == set(KINDS)


@pytest.mark.parametrize("scenario_id", sorted(CONTRACT_IDS))
def test_every_scenario_builds_its_widget_with_labelled_controls(scenario_id, tmp_path):
    import ipywidgets as w

    s = frontline.scenario(scenario_id, store=ProgressStore(tmp_path / "p.json"))
    controls = []

    def walk(widget):
        if isinstance(widget, w.Box):
            for child in widget.children:
                walk(child)
        elif isinstance(widget, w.DOMWidget) and not isinstance(widget, w.HTML | w.Image | w.Label):
            controls.append(widget)

    walk(s.widget)
    assert controls
    unlabelled = [c for c in controls if not (getattr(c, "description", "") or getattr(c, "tooltip", ""))]
    assert unlabelled == []
    assert "text/plain" in s._repr_mimebundle_() and s.title in s._repr_mimebundle_()["text/plain"]


def problems_by_file():
    found: dict[str, list[str]] = {}
    for problem in check_folder(FIXTURES):
        found.setdefault(Path(problem.file).name, []).append(str(problem.relative_to(FIXTURES)))
    return found


def test_broken_fixtures_are_reported_with_file_line_and_field():
    found = problems_by_file()
    assert found["wrong-type.yaml"] == [
        "choice/wrong-type.yaml:14: field 'options[1].score': 'high' is not of type 'number'"]
    diagnosis = found["typo-and-missing-fact.yaml"]
    assert "diagnosis/typo-and-missing-fact.yaml:7: field 'budjet': unknown field 'budjet' (did you mean " \
           "'budget'?)" in diagnosis
    assert any(p.startswith("diagnosis/typo-and-missing-fact.yaml:19: field 'questions[1].type': 'sometimes' "
                            "is not one of") for p in diagnosis)
    assert "diagnosis/typo-and-missing-fact.yaml:22: field 'questions[1].reveals[0]': fact 'imaginary' is not " \
           "defined under facts" in diagnosis
    assert found["bad-yaml.yaml"] == ["ordering/bad-yaml.yaml:10: is not valid YAML: did not find expected '-' "
                                      "indicator"]
    assert found["duplicate-key.yaml"] == ["ordering/duplicate-key.yaml:13: field 'prompt': duplicate key 'prompt' "
                                           "(first given on line 6)"]
    empowerment = found["unknown-clause.yaml"]
    assert "empowerment/unknown-clause.yaml:25: field 'feedback.escalate.cites[0]': policy clause " \
           "'made-up-clause' does not exist (known: real-clause)" in empowerment
    assert "empowerment/unknown-clause.yaml:26: field 'feedback.refuse.facts[0]': fact 'no-such-fact' does not " \
           "exist" in empowerment


def test_recovery_graph_checks_find_dangling_unreachable_and_endless_paths():
    graph = problems_by_file()["broken-graph.yaml"]
    expected = [
        "recovery/broken-graph.yaml:6: field 'personas[1]': persona 'nobody-we-know' is not defined in personas.yaml",
        "recovery/broken-graph.yaml:18: field 'nodes.opening.replies[0].to': 'nowhere' is neither a node nor an "
        "ending",
        "recovery/broken-graph.yaml:27: field 'nodes.opening.replies[2].mood_by_persona.needs-reassurance': persona "
        "'needs-reassurance' is not listed in this scenario's personas",
        "recovery/broken-graph.yaml:46: field 'nodes.island': node 'island' is unreachable from the start",
        "recovery/broken-graph.yaml:60: field 'endings.lost': ending 'lost' is unreachable",
        "recovery/broken-graph.yaml:30: field 'nodes.loop-one': no path from node 'loop-one' reaches an ending",
        "recovery/broken-graph.yaml:19: field 'nodes.opening.replies[1]': reply 'b' leads to 'loop-one', which "
        "never ends",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in graph), f"{line!r} not in {graph}"


def test_loading_a_broken_scenario_raises_with_the_same_details(kit_copy):
    target = kit_copy / "data" / "scenarios" / "choice" / "wrong-type.yaml"
    shutil.copy(FIXTURES / "choice" / "wrong-type.yaml", target)
    with pytest.raises(ContentError, match=r"wrong-type.yaml:14: field 'options\[1\].score'"):
        frontline.scenario("choice/wrong-type")


def test_an_unknown_id_suggests_close_matches():
    with pytest.raises(UnknownScenarioError, match="Did you mean 'diagnosis/late-delivery'"):
        frontline.scenario("diagnosis/late-delivry")
    with pytest.raises(UnknownScenarioError, match="looks like 'kind/name'"):
        frontline.scenario("late-delivery")


def test_frontline_check_reports_scenario_problems(kit_copy):
    shutil.copy(FIXTURES / "recovery" / "broken-graph.yaml", kit_copy / "data" / "scenarios" / "recovery")
    result = CliRunner().invoke(cli, ["check", "--only", "scenarios"])
    assert result.exit_code == 1
    assert "data/scenarios/recovery/broken-graph.yaml:46: field 'nodes.island': node 'island' is unreachable" \
        in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_new_scenario_scaffolds_a_valid_file_and_refuses_to_overwrite(kind, kit_copy):
    runner = CliRunner()
    result = runner.invoke(cli, ["new-scenario", kind, "my-new-case"])
    assert result.exit_code == 0, result.output
    path = kit_copy / "data" / "scenarios" / kind / "my-new-case.yaml"
    assert f"Created data/scenarios/{kind}/my-new-case.yaml" in result.output
    assert check_folder(kit_copy / "data" / "scenarios") == []
    s = frontline.scenario(f"{kind}/my-new-case", store=ProgressStore(kit_copy / "p.json"))
    assert s.title == "My new case"
    path.write_text(path.read_text() + "# my edits\n")
    again = runner.invoke(cli, ["new-scenario", kind, "my-new-case"])
    assert again.exit_code == 1 and "already exists" in again.output
    assert path.read_text().endswith("# my edits\n")


def test_new_scenario_rejects_a_bad_name(kit_copy):
    result = CliRunner().invoke(cli, ["new-scenario", "choice", "My Case"])
    assert result.exit_code == 2 and "lower-case words joined by hyphens" in result.output
