"""Grading a made-up class in the tests: the steps of `frontline grade all` after the student version is built."""

from __future__ import annotations

from click.testing import CliRunner

from frontline.cli import cli


def grade_generated(assignment: str, jobs: int = 2) -> str:
    """Autograde, write feedback, export and analyse ``assignment``, as `frontline grade all --no-collect` does,
    but without building the student version again: the tests built it with `frontline grade generate` to write
    the submissions from it. Returns what the commands printed."""
    runner, printed = CliRunner(), []
    for step in (["autograde", assignment, "--jobs", str(jobs)], ["feedback", assignment], ["export", assignment],
                 ["analyse", assignment]):
        result = runner.invoke(cli, ["grade", *step])
        assert result.exit_code == 0, result.output
        printed.append(result.output)
    return "".join(printed)
