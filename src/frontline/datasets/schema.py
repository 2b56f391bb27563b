"""Column-by-column description of the kit's datasets.

One :class:`Column` per column: its type, allowed values or range, whether it may be empty, and the sentence
that goes into ``data/DATA_DICTIONARY.md``. The reader in :mod:`frontline.datasets.io` checks every cell against
these specs, so the dictionary and the checks cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["id", "int", "float", "bool", "category", "datetime", "date", "text"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    description: str
    unit: str = ""
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()
    pattern: str | None = None  # for ids: a regular expression the whole value must match
    unique: bool = False
    references: tuple[str, str] | None = None  # (dataset, column) this column points into
    ordered: bool = False  # for categories whose order means something (priority)

    def allowed(self) -> str:
        """Human-readable statement of what the column accepts, for messages and the dictionary."""
        if self.kind == "category":
            return "one of " + ", ".join(self.categories)
        if self.kind == "bool":
            return "true or false"
        if self.kind in ("int", "float"):
            lo = "" if self.minimum is None else f"{self.minimum:g}"
            hi = "" if self.maximum is None else f"{self.maximum:g}"
            kind = "a whole number" if self.kind == "int" else "a number"
            if lo and hi:
                return f"{kind} from {lo} to {hi}"
            if lo:
                return f"{kind} of at least {lo}"
            return kind
        if self.kind == "datetime":
            return "a date and time, YYYY-MM-DD HH:MM:SS"
        if self.kind == "date":
            return "a date, YYYY-MM-DD"
        if self.kind == "id":
            return f"an identifier matching {self.pattern}"
        return "text"


@dataclass(frozen=True)
class Dataset:
    name: str
    filename: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


CHANNELS = ("phone", "email", "chat", "social", "store")
CATEGORIES = ("billing", "delivery", "technical", "account", "product", "service")
PRIORITIES = ("low", "normal", "high", "urgent")
SEGMENTS = ("consumer", "small_business", "enterprise")
REGIONS = ("north", "south", "east", "west", "central")
PLANS = ("basic", "standard", "premium")
# Root causes are process causes (what a 5 Whys chain should stop at), not people.
ROOT_CAUSES = (
    "confusing_bill",
    "missed_delivery_window",
    "password_reset_loop",
    "wrong_item_shipped",
    "unclear_return_policy",
    "callback_not_made",
    "order_not_recorded",
    "product_defect",
    "knowledge_base_out_of_date",
    "after_hours_voicemail",
)

CUSTOMERS = Dataset(
    name="customers",
    filename="customers.csv",
    description="One row per customer of the fictional retailer-and-telecom company the kit's cases use.",
    columns=(
        Column("customer_id", "id", "Customer identifier.", pattern=r"C\d{5}", unique=True),
        Column("segment", "category", "Customer segment.", categories=SEGMENTS),
        Column("region", "category", "Sales region.", categories=REGIONS),
        Column("plan", "category", "Service plan.", categories=PLANS),
        Column("signup_date", "date", "Date the customer joined."),
        Column("tenure_months", "int", "Whole months from signup to the data's reference date.", "months",
               minimum=0, maximum=240),
        Column("monthly_revenue", "float", "Average revenue per month from this customer.", "currency units",
               minimum=0, maximum=10000),
        Column("gross_margin", "float", "Share of revenue kept as margin.", "fraction", minimum=0, maximum=1),
    ),
)

TICKETS = Dataset(
    name="tickets",
    filename="tickets.csv",
    description="One row per support ticket (a customer's issue, from first contact to resolution).",
    columns=(
        Column("ticket_id", "id", "Ticket identifier.", pattern=r"T\d{6}", unique=True),
        Column("customer_id", "id", "The customer who raised the ticket.", pattern=r"C\d{5}",
               references=("customers", "customer_id")),
        Column("opened_at", "datetime", "When the customer first made contact."),
        Column("channel", "category", "Channel of the first contact.", categories=CHANNELS),
        Column("category", "category", "What the customer reported (the symptom).", categories=CATEGORIES),
        Column("priority", "category", "Priority given at triage.", categories=PRIORITIES, ordered=True),
        Column("wait_minutes", "float", "Time until a person first responded (email answers are slower).",
               "minutes", minimum=0, maximum=5000),
        Column("handle_minutes", "float", "Time staff spent on the ticket across all contacts.", "minutes",
               minimum=0, maximum=600),
        Column("transfers", "int", "Times the customer was passed to another person or team.", minimum=0,
               maximum=6),
        Column("contacts_to_resolve", "int", "Contacts the customer needed before the issue was resolved.",
               minimum=1, maximum=10),
        Column("first_contact_resolution", "bool", "Resolved at the first contact (contacts_to_resolve == 1)."),
        Column("root_cause", "category", "Process cause found when the ticket was closed.",
               categories=ROOT_CAUSES),
        Column("compensation", "float", "Credit or refund granted as goodwill.", "currency units", minimum=0,
               maximum=500),
        Column("csat", "int", "Post-contact satisfaction, 1 (very dissatisfied) to 5 (very satisfied); "
               "empty when the customer skipped the question.", nullable=True, minimum=1, maximum=5),
        Column("ces", "int", "Customer effort: agreement with 'made it easy for me', 1 to 7; empty when skipped.",
               nullable=True, minimum=1, maximum=7),
        Column("churned_90d", "bool", "Customer left within 90 days of the ticket opening."),
    ),
)

SURVEYS = Dataset(
    name="surveys",
    filename="surveys.csv",
    description=(
        "One row per relationship-survey invitation sent after a ticket. Non-responders are kept, so the "
        "bias of who answers can be studied: customers with extreme experiences answer more often."
    ),
    columns=(
        Column("survey_id", "id", "Invitation identifier.", pattern=r"S\d{5}", unique=True),
        Column("ticket_id", "id", "The ticket that triggered the invitation.", pattern=r"T\d{6}",
               references=("tickets", "ticket_id")),
        Column("customer_id", "id", "The customer invited.", pattern=r"C\d{5}",
               references=("customers", "customer_id")),
        Column("sent_on", "date", "Date the invitation was sent."),
        Column("responded", "bool", "Whether the customer answered."),
        Column("nps", "int", "Likelihood to recommend, 0 to 10; empty for non-responders.", nullable=True,
               minimum=0, maximum=10),
        Column("csat", "int", "Overall satisfaction, 1 to 5; empty for non-responders.", nullable=True,
               minimum=1, maximum=5),
        Column("ces", "int", "Ease of doing business, 1 to 7; empty for non-responders.", nullable=True,
               minimum=1, maximum=7),
        Column("verbatim", "text", "Free-text comment; empty when none was given.", nullable=True),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (CUSTOMERS, TICKETS, SURVEYS)}
