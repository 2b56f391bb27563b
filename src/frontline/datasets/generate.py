"""Synthetic tickets, customers and survey invitations, generated from :class:`GenerationParams`.

The relationships the lessons rely on are built in, not hoped for:

* satisfaction (CSAT) falls with waiting, transfers and repeat contacts; effort (CES) rises with them;
* root causes follow a Zipf (Pareto) skew, and the reported category is a noisy view of the cause
  (the symptom is not the cause);
* handle times are lognormal and grow with each extra contact;
* about 70% of tickets are resolved at the first contact;
* churn rises as satisfaction falls;
* customers with extreme experiences answer surveys more often than those in the middle.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np
import pandas as pd

from frontline.datasets.params import GenerationParams
from frontline.datasets.schema import CATEGORIES, CHANNELS, PLANS, PRIORITIES, REGIONS, ROOT_CAUSES, SEGMENTS

# Category a customer usually reports for each root cause (the symptom they see).
CAUSE_CATEGORY = {
    "confusing_bill": "billing",
    "missed_delivery_window": "delivery",
    "password_reset_loop": "account",
    "wrong_item_shipped": "delivery",
    "unclear_return_policy": "service",
    "callback_not_made": "service",
    "order_not_recorded": "billing",
    "product_defect": "product",
    "knowledge_base_out_of_date": "technical",
    "after_hours_voicemail": "service",
}
# Causes that make a first-contact fix harder (the case cannot be closed on the spot).
HARD_TO_FIX_FIRST_TIME = {"callback_not_made", "order_not_recorded", "knowledge_base_out_of_date", "product_defect"}
CHANNEL_MEAN_WAIT = {"phone": 5.0, "email": 300.0, "chat": 2.5, "social": 90.0, "store": 6.0}

POSITIVE_VERBATIMS = (
    "The person I spoke to sorted it out straight away.",
    "Quick, friendly and they explained what went wrong.",
    "She said 'let me take care of that' and she did.",
    "They called back exactly when they said they would.",
    "Much easier than I expected.",
)
NEGATIVE_VERBATIMS = {
    "confusing_bill": "I still don't understand my bill.",
    "missed_delivery_window": "I took a day off for a delivery that never came.",
    "password_reset_loop": "The password reset kept sending me round in circles.",
    "wrong_item_shipped": "Wrong item, and then I had to arrange the return myself.",
    "unclear_return_policy": "Every person told me a different return policy.",
    "callback_not_made": "Nobody called me back as promised.",
    "order_not_recorded": "You had no record of my order.",
    "product_defect": "Broke within a month.",
    "knowledge_base_out_of_date": "The help pages describe a screen that doesn't exist any more.",
    "after_hours_voicemail": "Your 24/7 line went to voicemail.",
}
REPEAT_CONTACT_VERBATIM = "I had to explain the whole thing again every time I called."
TRANSFER_VERBATIM = "Passed from one department to another."


def _zipf_weights(n: int, exponent: float) -> np.ndarray:
    w = np.arange(1, n + 1, dtype=float) ** -exponent
    return w / w.sum()


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _calibrate_intercept(linear: np.ndarray, target: float) -> float:
    """Intercept b such that mean(logistic(b + linear)) == target (bisection; deterministic)."""
    lo, hi = -20.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if _logistic(mid + linear).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def generate_customers(params: GenerationParams, rng: np.random.Generator) -> pd.DataFrame:
    n = params.n_customers
    reference = params.start + timedelta(days=params.days)
    segment = rng.choice(SEGMENTS, size=n, p=[0.70, 0.22, 0.08])
    plan = rng.choice(PLANS, size=n, p=[0.45, 0.38, 0.17])
    tenure_days = np.minimum(rng.gamma(1.6, 16.0, size=n) * 30.44, 180 * 30.44).astype(int)
    signup = [reference - timedelta(days=int(d)) for d in tenure_days]
    plan_base = {"basic": 20.0, "standard": 45.0, "premium": 90.0}
    segment_scale = {"consumer": 1.0, "small_business": 3.0, "enterprise": 12.0}
    revenue = np.array([plan_base[p] * segment_scale[s] for p, s in zip(plan, segment, strict=True)])
    revenue = np.round(revenue * rng.lognormal(0.0, 0.25, size=n), 2)
    plan_margin = {"basic": 0.30, "standard": 0.35, "premium": 0.42}
    margin = np.clip(np.array([plan_margin[p] for p in plan]) + rng.normal(0, 0.03, size=n), 0.1, 0.7)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(1, n + 1)],
            "segment": segment,
            "region": rng.choice(REGIONS, size=n),
            "plan": plan,
            "signup_date": [d.isoformat() for d in signup],
            "tenure_months": (tenure_days / 30.4375).astype(int),
            "monthly_revenue": revenue,
            "gross_margin": np.round(margin, 3),
        }
    )


def generate_tickets(
    params: GenerationParams, customers: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the ticket table and each ticket's latent satisfaction (used for surveys)."""
    n = params.n_tickets
    # Some customers contact far more often than others.
    contact_propensity = rng.gamma(0.8, 1.0, size=len(customers))
    cust_idx = rng.choice(len(customers), size=n, p=contact_propensity / contact_propensity.sum())
    segment = customers["segment"].to_numpy()[cust_idx]

    day = rng.integers(0, params.days, size=n)
    hour = np.clip(rng.normal(13.0, 3.2, size=n), 0, 23.99)
    seconds = (hour * 3600).astype(int)
    start = datetime.combine(params.start, time(0, 0))
    opened = np.array([start + timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, seconds, strict=True)])
    order = np.argsort(opened, kind="stable")
    opened, cust_idx, segment = opened[order], cust_idx[order], segment[order]

    # Canonical channel order, whatever order the mix was written in (manifest keys are sorted).
    unknown = set(params.channel_mix) - set(CHANNELS)
    if unknown:
        raise ValueError(f"channel_mix names unknown channel(s): {', '.join(sorted(unknown))}")
    channels = [c for c in CHANNELS if c in params.channel_mix]
    mix = np.array([params.channel_mix[c] for c in channels])
    channel = rng.choice(channels, size=n, p=mix / mix.sum())
    cause = rng.choice(ROOT_CAUSES, size=n, p=_zipf_weights(len(ROOT_CAUSES), params.pareto_exponent))
    reported_as_symptom = rng.random(n) < 0.8
    category = np.where(
        reported_as_symptom, [CAUSE_CATEGORY[c] for c in cause], rng.choice(CATEGORIES, size=n)
    )
    priority = rng.choice(PRIORITIES, size=n, p=[0.20, 0.55, 0.20, 0.05])
    priority = np.where((segment == "enterprise") & (priority == "normal"), "high", priority)

    mean_wait = np.array([CHANNEL_MEAN_WAIT[c] for c in channel])
    wait = np.round(np.minimum(rng.exponential(mean_wait), 5000), 1)
    wait_rel = np.log1p(wait / mean_wait)

    hard = np.isin(cause, list(HARD_TO_FIX_FIRST_TIME))
    transfer_rate = 0.25 + 0.35 * np.isin(category, ["technical", "account"]) + 0.2 * hard
    transfers = np.minimum(rng.poisson(transfer_rate), 6)
    fcr_linear = -0.9 * transfers - 1.0 * hard
    fcr_prob = _logistic(_calibrate_intercept(fcr_linear, params.first_contact_resolution) + fcr_linear)
    fcr = rng.random(n) < fcr_prob
    contacts = np.where(fcr, 1, np.minimum(1 + rng.geometric(0.55, size=n), 10))

    handle = rng.lognormal(np.log(params.handle_median_minutes), params.handle_sigma, size=n)
    handle = np.round(np.minimum(handle * (1 + 0.6 * (contacts - 1)) + 4.0 * transfers, 600), 1)

    compensable = (contacts > 1) | np.isin(cause, ["product_defect", "wrong_item_shipped", "missed_delivery_window"])
    gets_credit = compensable & (rng.random(n) < 0.25)
    amount = rng.choice([5.0, 10.0, 15.0, 25.0, 50.0, 100.0], size=n, p=[0.25, 0.25, 0.2, 0.15, 0.1, 0.05])
    amount = np.where(segment == "enterprise", amount * 2, amount)
    compensation = np.where(gets_credit, amount, 0.0)

    satisfaction = (
        1.1
        - 0.55 * wait_rel
        - 0.45 * transfers
        - 0.60 * (contacts - 1)
        + 0.30 * gets_credit
        - 0.25 * (priority == "urgent")
        + rng.normal(0, 0.8, size=n)
    )
    csat = np.digitize(satisfaction, [-1.6, -0.7, 0.0, 0.8]) + 1
    effort = 5.6 - 0.8 * (contacts - 1) - 0.6 * transfers - 0.5 * wait_rel + rng.normal(0, 0.9, size=n)
    ces = np.clip(np.rint(effort), 1, 7).astype(int)
    skipped = rng.random(n) < 0.28
    csat_observed = pd.array(np.where(skipped, 0, csat), dtype="Int64")
    csat_observed[skipped] = pd.NA
    ces_observed = pd.array(np.where(skipped, 0, ces), dtype="Int64")
    ces_observed[skipped] = pd.NA

    churn_linear = -0.65 * satisfaction + 0.25 * (contacts - 1) - 0.6 * (segment == "enterprise")
    churned = rng.random(n) < _logistic(_calibrate_intercept(churn_linear, params.churn_rate) + churn_linear)

    tickets = pd.DataFrame(
        {
            "ticket_id": [f"T{i:06d}" for i in range(1, n + 1)],
            "customer_id": customers["customer_id"].to_numpy()[cust_idx],
            "opened_at": [t.strftime("%Y-%m-%d %H:%M:%S") for t in opened],
            "channel": channel,
            "category": category,
            "priority": priority,
            "wait_minutes": wait,
            "handle_minutes": handle,
            "transfers": transfers,
            "contacts_to_resolve": contacts,
            "first_contact_resolution": contacts == 1,
            "root_cause": cause,
            "compensation": compensation,
            "csat": csat_observed,
            "ces": ces_observed,
            "churned_90d": churned,
        }
    )
    return tickets, satisfaction


def generate_surveys(
    params: GenerationParams, tickets: pd.DataFrame, satisfaction: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    n_invites = round(params.survey_share * len(tickets))
    chosen = np.sort(rng.choice(len(tickets), size=n_invites, replace=False))
    z = satisfaction[chosen]
    extremity = np.abs(z - np.median(satisfaction)) / satisfaction.std()
    respond_prob = np.clip(params.base_response_rate * (1 + 1.2 * extremity), 0, 0.9)
    responded = rng.random(n_invites) < respond_prob

    nps = np.clip(np.rint(7.2 + 1.6 * z + rng.normal(0, 1.2, size=n_invites)), 0, 10).astype(int)
    csat = np.digitize(z + rng.normal(0, 0.4, size=n_invites), [-1.6, -0.7, 0.0, 0.8]) + 1
    ces = np.clip(np.rint(5.2 + 0.9 * z + rng.normal(0, 0.8, size=n_invites)), 1, 7).astype(int)

    sub = tickets.iloc[chosen]
    verbatims: list[str | None] = []
    comment_roll = rng.random(n_invites)
    pick = rng.integers(0, len(POSITIVE_VERBATIMS), size=n_invites)
    for i, (_, t) in enumerate(sub.iterrows()):
        if not responded[i] or comment_roll[i] > 0.6:
            verbatims.append(None)
        elif z[i] > 0.3:
            verbatims.append(POSITIVE_VERBATIMS[pick[i]])
        elif t["contacts_to_resolve"] > 2:
            verbatims.append(REPEAT_CONTACT_VERBATIM)
        elif t["transfers"] > 1:
            verbatims.append(TRANSFER_VERBATIM)
        else:
            verbatims.append(NEGATIVE_VERBATIMS[t["root_cause"]])

    def masked(values: np.ndarray) -> pd.arrays.IntegerArray:
        arr = pd.array(values, dtype="Int64")
        arr[~responded] = pd.NA
        return arr

    sent_on = [
        (datetime.strptime(s, "%Y-%m-%d %H:%M:%S") + timedelta(days=2)).date().isoformat()
        for s in sub["opened_at"]
    ]
    return pd.DataFrame(
        {
            "survey_id": [f"S{i:05d}" for i in range(1, n_invites + 1)],
            "ticket_id": sub["ticket_id"].to_numpy(),
            "customer_id": sub["customer_id"].to_numpy(),
            "sent_on": sent_on,
            "responded": responded,
            "nps": masked(nps),
            "csat": masked(csat),
            "ces": masked(ces),
            "verbatim": pd.array(verbatims, dtype="string"),
        }
    )


def generate_all(params: GenerationParams | None = None) -> dict[str, pd.DataFrame]:
    """All three tables, as plain frames ready to be written (see :func:`frontline.datasets.io.write_all`)."""
    params = params or GenerationParams()
    rng = np.random.default_rng(params.seed)
    customers = generate_customers(params, rng)
    tickets, satisfaction = generate_tickets(params, customers, rng)
    surveys = generate_surveys(params, tickets, satisfaction, rng)
    return {"customers": customers, "tickets": tickets, "surveys": surveys}
