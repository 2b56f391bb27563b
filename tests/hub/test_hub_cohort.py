"""A cohort on a real JupyterHub: trainees and a trainer log in over HTTP and work through nbgrader's exchange."""

from __future__ import annotations

import pytest
from hub_support import HubUser

pytestmark = pytest.mark.slow


def test_smoke(cohort):
    ann = HubUser(cohort["url"], cohort["people"]["ann"])
    reply = ann.login()
    assert reply.status_code == 302, reply.text
    ann.request_token()
    ann.start_server()
    print(ann.run("import os; print(os.getuid(), os.getcwd())"))
    print(ann.shell("id"))
