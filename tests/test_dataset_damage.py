"""Damaged datasets: every kind of damage is reported with the file, the line, the row and the column."""

from __future__ import annotations

import shutil

import pytest

from frontline.datasets import check_folder, load_surveys, load_tickets
from frontline.problems import ContentError


@pytest.fixture
def data(tmp_path, repo):
    folder = tmp_path / "data"
    shutil.copytree(repo / "data", folder)
    return folder


def edit_line(path, line_number, transform):
    lines = path.read_text().split("\n")
    lines[line_number - 1] = transform(lines[line_number - 1])
    path.write_text("\n".join(lines))


def set_field(line, index, value):
    fields = line.split(",")
    fields[index] = value
    return ",".join(fields)


def only(problems):
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_the_shipped_data_has_no_problems(repo):
    assert check_folder(repo / "data") == []


def test_a_value_outside_its_category(data):
    edit_line(data / "tickets.csv", 11, lambda s: set_field(s, 3, "fax"))
    problem = only(check_folder(data))
    assert (problem.line, problem.row, problem.field) == (11, 10, "channel")
    assert "'fax'" in problem.message and "phone" in problem.message
    assert str(problem).startswith(f"{data / 'tickets.csv'}:11: row 10: column 'channel'")


def test_a_number_out_of_range_and_a_word_where_a_number_belongs(data):
    edit_line(data / "tickets.csv", 5, lambda s: set_field(s, 13, "9"))
    edit_line(data / "customers.csv", 7, lambda s: set_field(s, 6, "lots"))
    problems = {(p.file.name, p.row, p.field): p.message for p in check_folder(data)}
    assert "outside the allowed range" in problems[("tickets.csv", 4, "csat")]
    assert "'lots' is not a number" in problems[("customers.csv", 6, "monthly_revenue")]


def test_a_file_truncated_in_the_middle_of_a_row(data):
    path = data / "tickets.csv"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    problem = only(check_folder(data))
    assert problem.file == path and problem.row is not None and problem.line == problem.row + 1
    assert "truncated" in problem.message


def test_a_file_truncated_at_a_row_boundary(data):
    path = data / "customers.csv"
    lines = path.read_text().split("\n")
    path.write_text("\n".join(lines[:1001]) + "\n")
    problems = check_folder(data)
    assert any(p.file == path and "1000 data rows but the manifest records 1500" in p.message for p in problems)


def test_a_plausible_hand_edit_is_located_exactly(data):
    # 4 -> 5 in a csat cell keeps the file valid; only the comparison with the generator finds it.
    path = data / "tickets.csv"
    lines = path.read_text().split("\n")
    target = next(i for i, line in enumerate(lines) if i > 200 and line.split(",")[13] == "4")
    lines[target] = set_field(lines[target], 13, "5")
    path.write_text("\n".join(lines))
    problem = only(check_folder(data))
    assert (problem.line, problem.row, problem.field) == (target + 1, target, "csat")
    assert "'5' differs from the generated value '4'" in problem.message


def test_a_missing_column_and_a_missing_file(data):
    path = data / "surveys.csv"
    lines = [",".join(line.split(",")[:-1]) for line in path.read_text().split("\n")]
    path.write_text("\n".join(lines))
    (data / "customers.csv").unlink()
    problems = check_folder(data)
    assert any(p.file == path and p.line == 1 and p.field == "verbatim" and "missing" in p.message for p in problems)
    assert any(p.file.name == "customers.csv" and "file is missing" in p.message for p in problems)


def test_rules_that_tie_columns_together(data):
    edit_line(data / "tickets.csv", 2, lambda s: set_field(s, 10, "true" if s.split(",")[10] == "false" else "false"))
    problem = only(check_folder(data))
    assert problem.field == "first_contact_resolution" and "contacts_to_resolve" in problem.message


def test_duplicate_ids_and_dangling_references(data):
    path = data / "tickets.csv"
    lines = path.read_text().split("\n")
    lines[3] = set_field(lines[3], 0, lines[2].split(",")[0])
    lines[4] = set_field(lines[4], 1, "C99999")
    path.write_text("\n".join(lines))
    problems = check_folder(data)
    assert any(p.row == 3 and p.field == "ticket_id" and "repeats row 2" in p.message for p in problems)
    assert any(p.row == 4 and p.field == "customer_id" and "does not exist in customers.csv" in p.message
               for p in problems)


def test_a_file_that_is_not_text(data):
    (data / "surveys.csv").write_bytes(b"survey_id,ticket_id\n\xff\xfe\x00")
    problem = only(check_folder(data))
    assert problem.line == 2 and "not UTF-8" in problem.message


def test_loaders_raise_with_the_same_precise_message(data):
    edit_line(data / "tickets.csv", 11, lambda s: set_field(s, 3, "fax"))
    with pytest.raises(ContentError, match=r"tickets\.csv:11: row 10: column 'channel'"):
        load_tickets(data)
    # other tables are unaffected and still load
    assert len(load_surveys(data)) > 0
