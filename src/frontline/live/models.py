"""The request bodies the session server accepts, and how their validation errors are worded."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from frontline.live.plan import QUESTION_ID_PATTERN
from frontline.live.values import AnswerProblem, check_value, text_problem

QuestionId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=QUESTION_ID_PATTERN)]


class Strict(BaseModel):
    # NaN and infinities are refused wherever a number is read: no view can draw them.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _printable(value: str | None) -> str | None:
    problem = text_problem(value, 8000) if value is not None else None
    if problem:
        raise ValueError(problem)
    return value


class JoinIn(Strict):
    code: Annotated[str, StringConstraints(min_length=4, max_length=12, strip_whitespace=True)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True)] | None = None
    # The participant token of an earlier join: the same participant comes back (after a restart, a new kernel).
    resume: Annotated[str, StringConstraints(min_length=16, max_length=80)] | None = None

    _name_printable = field_validator("name")(_printable)


class AnswerIn(Strict):
    question_id: QuestionId
    idempotency_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{8,80}$")]
    kind: Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[a-z_]+$")]
    answer: Any
    # What the trainee's notebook made of the answer; accepted for older clients, never stored: the server judges.
    correct: bool | None = None
    score: Annotated[float, Field(ge=0, le=1)] | None = None
    persona: Annotated[str, StringConstraints(max_length=80, pattern=r"^[a-z0-9_\-]+$")] | None = None

    @field_validator("answer")
    @classmethod
    def answer_is_showable(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("is missing (null); send text, a number, true/false, a list or an object")
        try:
            check_value(value)
        except AnswerProblem as e:
            raise ValueError(str(e)) from e
        return value


class QuestionIn(Strict):
    scenario: QuestionId | None = None
    question_id: QuestionId | None = None
    kind: Literal["choice", "text", "number", "confidence", "scenario"] | None = None
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    prompt: Annotated[str, StringConstraints(max_length=4000)] = ""
    options: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
                       Field(max_length=12)] = []
    answer: Any = None
    debrief: Annotated[str, StringConstraints(max_length=8000)] = ""
    min: Annotated[float, Field(ge=-1e12, le=1e12)] | None = None
    max: Annotated[float, Field(ge=-1e12, le=1e12)] | None = None

    _printable_fields = field_validator("title", "prompt", "debrief")(_printable)

    @field_validator("options")
    @classmethod
    def options_printable(cls, options: list[str]) -> list[str]:
        for option in options:
            _printable(option)
        return options

    @field_validator("answer")
    @classmethod
    def answer_showable(cls, value: Any) -> Any:
        if value is not None:
            try:
                check_value(value)
            except AnswerProblem as e:
                raise ValueError(str(e)) from e
        return value

    @model_validator(mode="after")
    def one_form(self) -> QuestionIn:
        if self.scenario is None and (self.question_id is None or self.kind is None or self.title is None):
            raise ValueError("give either `scenario` (a scenario id) or `question_id`, `kind` and `title`")
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError("a choice question needs at least two `options`")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("`min` is larger than `max`")
        return self


class TimerIn(Strict):
    action: Literal["start", "pause", "resume", "reset"]
    seconds: Annotated[int, Field(ge=1, le=4 * 3600)] | None = None


class ClockIn(Strict):
    lesson_id: Annotated[str, StringConstraints(max_length=80, pattern=r"^[A-Za-z0-9_\-]+$")] | None = None


class RoomIn(Strict):
    max_participants: Annotated[int, Field(ge=1, le=100_000)] | None = None


def describe_errors(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """Validation errors as one line naming each field, and as a list."""
    described = []
    for error in errors:
        location = [str(p) for p in error.get("loc", ()) if p != "body"]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        described.append({"field": ".".join(location) or "(body)", "message": message})
    return "; ".join(f"field '{e['field']}': {e['message']}" for e in described), described
