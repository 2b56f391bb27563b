"""The `frontline` command: help on every subcommand, `data` and `check` end to end."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from frontline.cli import SUBCOMMANDS, cli


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_has_help(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: cli " + name in result.output or f"Usage: frontline {name}" in result.output


def test_the_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "frontline", "--help"], capture_output=True, text=True, check=True)
    for name in SUBCOMMANDS:
        assert name in out.stdout


def test_a_command_loads_only_what_it_needs():
    """`frontline live serve` must start quickly: the command line and the live server's command import neither
    pandas, nor nbgrader, nor the scenario engine, nor the hub (each is loaded by the command that uses it)."""
    heavy = "('pandas', 'nbgrader', 'frontline.scenarios', 'jupyterhub')"
    probe = ("import sys; from frontline.cli import cli; cli.get_command(None, 'live'); "
             f"print(sorted(m for m in {heavy} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_data_twice_gives_identical_files(kit_copy):
    runner = CliRunner()
    before = {p.name: p.read_bytes() for p in (kit_copy / "data").iterdir() if p.is_file()}
    assert runner.invoke(cli, ["data"]).exit_code == 0
    once = {p.name: p.read_bytes() for p in (kit_copy / "data").iterdir() if p.is_file()}
    assert runner.invoke(cli, ["data"]).exit_code == 0
    twice = {p.name: p.read_bytes() for p in (kit_copy / "data").iterdir() if p.is_file()}
    assert once == twice == before


def test_data_rejects_an_unknown_parameter(kit_copy, tmp_path):
    params = tmp_path / "params.json"
    params.write_text('{"n_tikets": 10}')
    result = CliRunner().invoke(cli, ["data", "--params", str(params)])
    assert result.exit_code != 0 and "n_tikets" in result.output


def test_check_passes_on_the_kit(kit_copy):
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    assert "datasets: ok" in result.output


def test_check_lists_every_problem_with_file_line_row_and_column(kit_copy):
    path = kit_copy / "data" / "tickets.csv"
    lines = path.read_text().split("\n")
    for index in (5, 9):
        fields = lines[index].split(",")
        fields[5] = "critical"
        lines[index] = ",".join(fields)
    path.write_text("\n".join(lines))
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1
    assert "data/tickets.csv:6: row 5: column 'priority': value 'critical' is not one of low" in result.output
    assert "data/tickets.csv:10: row 9: column 'priority'" in result.output
    assert "2 problem(s)" in result.output


def test_outside_a_kit_the_message_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("FRONTLINE_KIT", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1
    assert "FRONTLINE_KIT=" in result.output and "does not point at a Frontline kit" in result.output
    assert "Traceback" not in result.output
