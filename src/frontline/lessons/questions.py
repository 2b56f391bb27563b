"""The self-check questions of every lesson, keyed ``"NN.name"`` (NN = lesson number).

``expected`` computes the answer from the kit's data (or from tables the lesson passes in), so the number is never
written into a notebook. ``solution_code`` must give the same answer when run in the lesson; a unit test runs it.
"""

from __future__ import annotations

import pandas as pd

import frontline
from frontline.lessons.measures import lifetime_value, nps
from frontline.lessons.practice import Question


def _tickets() -> pd.DataFrame:
    return frontline.load_tickets()


def _top_unhappy_level(comments: pd.DataFrame) -> str:
    return str(comments.loc[comments["nps"] <= 6, "level"].value_counts().idxmax())


def _churn_gap() -> float:
    churn = _tickets().groupby("first_contact_resolution")["churned_90d"].mean()
    return float(100 * (churn[False] - churn[True]))


def _top_three_share() -> float:
    return float(_tickets()["root_cause"].value_counts(normalize=True).iloc[:3].sum())


def _share_within_limit() -> float:
    credits = _tickets().loc[lambda t: t["compensation"] > 0, "compensation"]
    return float((credits <= 50).mean())


def _churn_low_csat() -> float:
    tickets = _tickets()
    return float(tickets.loc[tickets["csat"] <= 2, "churned_90d"].mean())


def _value_at_97() -> float:
    customers = frontline.load_customers()
    return lifetime_value(float((customers["monthly_revenue"] * customers["gross_margin"]).median()), 0.97)


def _nps_responders() -> float:
    surveys = frontline.load_surveys()
    return nps(surveys.loc[surveys["responded"], "nps"])


def _highest_churn_rate() -> str:
    return str(_tickets().groupby("root_cause", observed=True)["churned_90d"].mean().idxmax())


def _agree_by_role(workshop_survey: pd.DataFrame) -> pd.Series:
    return workshop_survey.assign(agree=workshop_survey["programmes_work"] >= 4).groupby("role")["agree"].mean()


QUESTIONS: dict[str, Question] = {
    q.id: q
    for q in [
        Question(
            "00.fcr_share",
            "What share of tickets were resolved at the first contact?",
            lambda: frontline.load_tickets()["first_contact_resolution"].mean(),
            "The column first_contact_resolution is True or False; the mean of a True/False column is the share "
            "of True.",
            'answer = tickets["first_contact_resolution"].mean()',
        ),
        Question(
            "01.agree_by_role",
            "For each role in workshop_survey, what share answered 4 or 5?",
            _agree_by_role,
            "Make a True/False column for programmes_work >= 4, then group by role and take the mean.",
            'answer = (workshop_survey["programmes_work"] >= 4).groupby(workshop_survey["role"]).mean()',
        ),
        Question(
            "02.top_unhappy_level",
            "Which level in comments has the most unhappy comments (nps 0-6)? Answer with the level's label.",
            _top_unhappy_level,
            "Keep the rows of comments with nps <= 6, then value_counts() the level column; idxmax() gives the "
            "label of the largest.",
            'answer = comments.loc[comments["nps"] <= 6, "level"].value_counts().idxmax()',
        ),
        Question(
            "03.churn_gap",
            "How many percentage points higher is the 90-day churn rate for tickets NOT resolved at the first "
            "contact than for tickets that were?",
            _churn_gap,
            "Group tickets by first_contact_resolution and take the mean of churned_90d; subtract, times 100.",
            'churn = tickets.groupby("first_contact_resolution")["churned_90d"].mean()\n'
            "answer = 100 * (churn[False] - churn[True])",
        ),
        Question(
            "04.top_three_share",
            "What share of all tickets do the three most frequent root causes account for (a fraction 0-1)?",
            _top_three_share,
            "value_counts(normalize=True) gives shares, largest first; add up the first three.",
            'answer = tickets["root_cause"].value_counts(normalize=True).iloc[:3].sum()',
        ),
        Question(
            "05.share_within_limit",
            "Of the tickets with a goodwill credit (compensation > 0), what share had a credit of 50 or less?",
            _share_within_limit,
            "The lesson already made credits; compare it with 50 and take the mean.",
            "answer = (credits <= 50).mean()",
        ),
        Question(
            "06.churn_low_csat",
            "Among tickets rated 1 or 2 for satisfaction, what share of customers left within 90 days?",
            _churn_low_csat,
            'Select tickets with tickets["csat"] <= 2 and take the mean of churned_90d.',
            'answer = tickets.loc[tickets["csat"] <= 2, "churned_90d"].mean()',
        ),
        Question(
            "07.value_at_97",
            "What is the five-year value of the median customer (median monthly margin) at 97% monthly retention?",
            _value_at_97,
            "median_margin is already computed; call lifetime_value with it and 0.97.",
            "answer = lifetime_value(median_margin, 0.97)",
        ),
        Question(
            "08.nps_responders",
            "What is the NPS of the customers who answered the survey?",
            _nps_responders,
            "answered holds the responders; the nps function takes their nps column.",
            'answer = nps(answered["nps"])',
        ),
        Question(
            "09.highest_churn_rate",
            "Which root cause has the highest churn rate (not the most tickets followed by a customer leaving)? "
            "Give its name.",
            _highest_churn_rate,
            "Sort priorities by churn_rate, or use idxmax() on that column.",
            'answer = priorities["churn_rate"].idxmax()',
        ),
    ]
}
