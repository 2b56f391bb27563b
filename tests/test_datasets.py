"""The generated datasets: reproducible, realistic in the ways lessons rely on, and loaded strictly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from frontline.datasets import (
    DATASETS,
    GenerationParams,
    load_customers,
    load_surveys,
    load_tickets,
    render_all,
    write_all,
)


@pytest.fixture(scope="module")
def tickets(tmp_path_factory):
    return load_tickets()


def test_generation_is_byte_reproducible(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_all(first)
    write_all(second)
    names = sorted(p.name for p in first.iterdir())
    assert names == ["DATA_DICTIONARY.md", "customers.csv", "manifest.json", "surveys.csv", "tickets.csv"]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_committed_data_matches_the_generator(repo):
    for filename, text in render_all().items():
        assert (repo / "data" / filename).read_text() == text, f"data/{filename} is stale: run `frontline data`"


def test_a_different_seed_gives_different_rows():
    assert render_all(GenerationParams(seed=1))["tickets.csv"] != render_all()["tickets.csv"]


def test_loaders_return_typed_frames():
    tickets, customers, surveys = load_tickets(), load_customers(), load_surveys()
    assert len(tickets) == GenerationParams().n_tickets
    assert len(customers) == GenerationParams().n_customers
    assert str(tickets["opened_at"].dtype).startswith("datetime64")
    assert isinstance(tickets["channel"].dtype, pd.CategoricalDtype)
    assert tickets["priority"].cat.ordered and list(tickets["priority"].cat.categories)[-1] == "urgent"
    assert str(tickets["csat"].dtype) == "Int64" and tickets["csat"].isna().any()
    assert tickets["first_contact_resolution"].dtype == bool
    assert str(surveys["nps"].dtype) == "Int64"
    assert set(tickets["customer_id"]) <= set(customers["customer_id"])


def test_first_contact_resolution_is_near_seventy_percent(tickets):
    assert 0.66 <= tickets["first_contact_resolution"].mean() <= 0.74


def test_csat_falls_with_waits_transfers_and_repeat_contacts(tickets):
    rated = tickets.dropna(subset=["csat"])
    by_contacts = rated.groupby("contacts_to_resolve")["csat"].mean()
    assert by_contacts[1] > by_contacts[2] > by_contacts[3]
    by_transfers = rated.groupby("transfers")["csat"].mean()
    assert by_transfers[0] > by_transfers[1] > by_transfers[2]
    phone = rated[rated["channel"] == "phone"]
    short = phone[phone["wait_minutes"] <= phone["wait_minutes"].quantile(0.25)]["csat"].mean()
    long = phone[phone["wait_minutes"] >= phone["wait_minutes"].quantile(0.75)]["csat"].mean()
    assert short > long + 0.2


def test_root_causes_follow_a_pareto_skew(tickets):
    shares = tickets["root_cause"].value_counts(normalize=True)
    assert shares.iloc[:3].sum() > 0.55  # the vital few
    assert shares.iloc[-5:].sum() < 0.25  # the trivial many
    # the reported category is a noisy view of the cause: the symptom is not always the cause
    assert (tickets.groupby("root_cause", observed=True)["category"].nunique() > 1).all()


def test_handle_times_are_roughly_lognormal(tickets):
    one_contact = tickets[(tickets["contacts_to_resolve"] == 1) & (tickets["transfers"] == 0)]
    logs = np.log(one_contact["handle_minutes"].to_numpy())
    skew_raw = pd.Series(one_contact["handle_minutes"]).skew()
    skew_log = pd.Series(logs).skew()
    assert skew_raw > 1.0 and abs(skew_log) < 0.4
    assert one_contact["handle_minutes"].median() == pytest.approx(GenerationParams().handle_median_minutes, rel=0.1)


def test_churn_rises_as_satisfaction_falls(tickets):
    rate = tickets.dropna(subset=["csat"]).groupby("csat")["churned_90d"].mean()
    assert rate[1] > rate[3] > rate[5]


def test_survey_responders_are_biased_towards_extreme_experiences(tickets):
    surveys = load_surveys()
    joined = surveys.merge(tickets[["ticket_id", "csat"]], on="ticket_id", suffixes=("", "_ticket"))
    rated = joined.dropna(subset=["csat_ticket"])
    extreme = rated["csat_ticket"].isin([1, 5])
    assert rated[extreme]["responded"].mean() > 1.3 * rated[~extreme]["responded"].mean()
    assert surveys.loc[~surveys["responded"], ["nps", "csat", "ces"]].isna().all().all()


def test_data_dictionary_documents_every_column(repo):
    text = (repo / "data" / "DATA_DICTIONARY.md").read_text()
    for dataset in DATASETS.values():
        for column in dataset.columns:
            assert f"| `{column.name}` |" in text
    for name, _, _ in GenerationParams.documentation():
        assert f"| `{name}` |" in text


def test_unknown_generation_parameter_is_named():
    with pytest.raises(ValueError, match="n_tikets"):
        GenerationParams.from_json({"n_tikets": 3})
