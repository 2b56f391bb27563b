from __future__ import annotations

import pytest

from frontline.answers import AnswerEvent, publish, subscribe


def test_subscribers_receive_events_until_they_unsubscribe():
    seen = []
    unsubscribe = subscribe(seen.append)
    publish(AnswerEvent("poll/one", "choice", "a"))
    unsubscribe()
    publish(AnswerEvent("poll/two", "choice", "b"))
    assert [e.question_id for e in seen] == ["poll/one"]


def test_a_failing_subscriber_warns_and_does_not_stop_the_others():
    seen = []

    def broken(event):
        raise ConnectionError("server unreachable")

    off_broken, off_seen = subscribe(broken), subscribe(seen.append)
    with pytest.warns(RuntimeWarning, match="server unreachable"):
        publish(AnswerEvent("poll/one", "number", 3))
    off_broken()
    off_seen()
    assert len(seen) == 1
