"""A cohort on a real JupyterHub: two trainees and a trainer log in over HTTP and work through nbgrader's exchange.

Every step goes through the hub: trainees fetch, submit and fetch feedback with their lab's Assignment List; the
trainer logs in, opens the formgrader service (run as the course's grader account) and releases, collects,
autogrades and returns feedback with the formgrader's own API, as its buttons do; each attack runs as the
attacking trainee's own account in their own kernel.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hub_support import HubUser, cgroups_expected

from frontline.hub.limits import CPU_PERIOD, find_tree, own_cgroups

pytestmark = pytest.mark.slow

ASSIGNMENT = "capstone"
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
ANSWER_KEY_MARKERS = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "Model answer outline")
ANN_MARK = "# ann's own working"
FORMGRADER = "/services/formgrader/"


class Formgrader:
    """The trainer in the formgrader service, logged in through the hub (cookies, and the page's XSRF token)."""

    def __init__(self, trainer: HubUser):
        self.trainer = trainer
        page = trainer.follow(f"{FORMGRADER}formgrader")
        assert page.status_code == 200 and "formgrader" in str(page.url), (page.status_code, page.text[-500:])
        assert "Manage Assignments" in page.text, page.text[-1000:]
        self.xsrf = next(c.value for c in trainer.browser.cookies.jar
                         if c.name == "_xsrf" and c.path.startswith(FORMGRADER))

    def get(self, path: str):
        reply = self.trainer.browser.get(FORMGRADER + path)
        assert reply.status_code == 200, (path, reply.status_code, reply.text[-500:])
        return reply

    def action(self, path: str) -> None:
        """A POST to the formgrader's API, as its page sends it; nbgrader answers with success, log and error."""
        reply = self.trainer.browser.post(f"{FORMGRADER}formgrader/api/{path}", headers={"X-XSRFToken": self.xsrf})
        assert reply.status_code == 200, (path, reply.status_code, reply.text[-500:])
        result = reply.json()
        assert result["success"], (path, result.get("error"), result.get("log"))

    def scores(self) -> dict[str, float]:
        return {s["student"]: s["score"] for s in self.get(f"formgrader/api/submissions/{ASSIGNMENT}").json()}


def _solution(kit, grade_id: str) -> str:
    """The trainer's solution of one cell, from the kit's source notebook (read as root by the test)."""
    source = json.loads((kit / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    cell = next(c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    text = "".join(cell["source"])
    return text.split("### BEGIN SOLUTION\n", 1)[1].split("### END SOLUTION", 1)[0]


def _answer(user: HubUser, kit) -> None:
    """Ann writes the right answer into her fetched copy, through her lab's contents API."""
    model = user.lab("GET", f"api/contents/{NOTEBOOK}").json()
    notebook = model["content"]
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "baseline":
            cell["source"] = ANN_MARK + "\n" + _solution(kit, "baseline")
    reply = user.lab("PUT", f"api/contents/{NOTEBOOK}", json={"type": "notebook", "format": "json",
                                                              "content": notebook})
    assert reply.status_code == 200, reply.text


def _walk(user: HubUser, path: str = "") -> list[dict]:
    """Every file the user's lab serves, with content."""
    listing = user.lab("GET", f"api/contents/{path}").json()
    found = []
    for item in listing["content"]:
        if item["type"] == "directory":
            found += _walk(user, item["path"])
        else:
            reply = user.lab("GET", f"api/contents/{item['path']}")
            assert reply.status_code == 200, (item["path"], reply.text)
            found.append(reply.json())
    return found


PROBES = """
import glob, json, os
results = dict()
def probe(name, action):
    try:
        action()
        results[name] = "allowed"
    except PermissionError:
        results[name] = "denied"
    except OSError as e:
        results[name] = repr(e)
exchange = os.environ["FRONTLINE_EXCHANGE"] + "/frontline"
kit = os.environ["FRONTLINE_KIT"]
probe("read other trainee's home", lambda: os.listdir({other_home!r}))
probe("list inbound", lambda: os.listdir(exchange + "/inbound"))
probe("list feedback", lambda: os.listdir(exchange + "/feedback"))
probe("overwrite released notebook", lambda: open(exchange + "/outbound/{assignment}/{assignment}.ipynb", "a"))
probe("rename course folder", lambda: os.rename(exchange, exchange + "-moved"))
probe("read source exercise", lambda: open(kit + "/exercises/{assignment}/{assignment}.ipynb").read())
probe("read rubrics", lambda: os.listdir(kit + "/grading/rubrics"))
probe("read the course", lambda: os.listdir({course!r}))
# submit as the other trainee: a folder named as theirs, dated after their submission
forged = exchange + "/inbound/{other}+{assignment}+2099-01-01 00:00:00.000000 UTC+forged-in-a-kernel"
def forge():
    os.makedirs(forged)
    with open(forged + "/timestamp.txt", "w") as fh:
        fh.write("2099-01-01 00:00:00.000000 UTC")
    with open(forged + "/submission_secret.txt", "w") as fh:
        fh.write("forged")
    with open(os.path.expanduser("~/{assignment}/{assignment}.ipynb")) as src:
        own = src.read()
    with open(forged + "/{assignment}.ipynb", "w") as dst:
        dst.write(own)
probe("plant a submission named as the other trainee", forge)
print(json.dumps(results))
"""


def test_cohort_exchange_keeps_trainees_apart(cohort, people):
    trainer, ann, bob = people["trainer"], people["ann"], people["bob"]
    kit = cohort["kit"]
    course = cohort["settings"]["state_dir"] + "/course"

    # The trainer reaches the formgrader through the hub's login and releases the exercise with its buttons.
    grading = Formgrader(trainer)
    grading.action(f"assignment/{ASSIGNMENT}/assign")
    grading.action(f"assignment/{ASSIGNMENT}/release")
    assert grading.get(f"formgrader/api/assignment/{ASSIGNMENT}").json()["status"] == "released"

    for trainee in (ann, bob):
        reply = trainee.assignment_action("fetch", ASSIGNMENT)
        assert reply.status_code == 200, reply.text
        assert trainee.lab("GET", f"api/contents/{NOTEBOOK}").status_code == 200
    _answer(ann, kit)
    for trainee in (ann, bob):
        reply = trainee.assignment_action("submit", ASSIGNMENT)
        assert reply.status_code == 200 and "error" not in reply.json(), reply.text

    # Bob, from his own kernel, tries to read, overwrite and impersonate.
    out = bob.run(PROBES.format(other_home=f"/home/{ann.name}", course=course, assignment=ASSIGNMENT,
                                other=ann.name))
    results = json.loads(out.strip().splitlines()[-1])
    planted = results.pop("plant a submission named as the other trainee")
    assert results == dict.fromkeys(results, "denied"), results
    assert planted == "allowed"  # the inbound folder takes anyone's files; collect must refuse this one

    grading.action(f"assignment/{ASSIGNMENT}/collect")
    for trainee in (ann, bob):
        grading.action(f"submission/{ASSIGNMENT}/{trainee.name}/autograde")
    grading.action(f"assignment/{ASSIGNMENT}/generate_feedback")
    grading.action(f"assignment/{ASSIGNMENT}/release_feedback")

    # Ann's grade is from her own work, not the later submission forged in her name; Bob's from his.
    assert grading.scores() == {ann.name: 3.0, bob.name: 0.0}
    collected = grading.get(f"api/contents/submitted/{ann.name}/{NOTEBOOK}").json()
    assert ANN_MARK in json.dumps(collected["content"])

    feedback = {}
    for trainee in (ann, bob):
        reply = trainee.assignment_action("fetch_feedback", ASSIGNMENT)
        assert reply.status_code == 200, reply.text
        pages = [f for f in _walk(trainee, ASSIGNMENT) if f["path"].endswith(".html") and "/feedback/" in f["path"]]
        assert len(pages) == 1, [p["path"] for p in pages]
        feedback[trainee.name] = pages[0]["content"]
    assert ANN_MARK in feedback[ann.name]
    assert ANN_MARK not in feedback[bob.name]
    assert re.search(r"Score:\s*3(\.0)?\s*/", feedback[ann.name]), feedback[ann.name][:2000]
    for page in feedback.values():
        assert "BEGIN HIDDEN TESTS" not in page and "_expected" not in page

    # A trainee's lab serves no answer key, and no formgrader.
    served = _walk(ann)
    assert any(f["path"].startswith("frontline/") for f in served)  # the lessons are in her workspace
    for item in served:
        text = json.dumps(item["content"])
        assert not any(marker in text for marker in ANSWER_KEY_MARKERS), item["path"]
    assert ann.lab("GET", "formgrader", follow_redirects=True).status_code == 404
    # The trainer's own server is a workspace of the lessons too: grading happens in the service only.
    assert trainer.lab("GET", "formgrader", follow_redirects=True).status_code == 404
    assert trainer.lab("GET", "api/contents/frontline/lessons").status_code == 200


def test_only_trainers_reach_the_formgrader_service(cohort, people):
    trainer, ann = people["trainer"], people["ann"]
    # The hub's home page offers the formgrader to the trainer, by name, and not to a trainee.
    link = f'href="{FORMGRADER}formgrader"'
    trainer_home = trainer.browser.get("/hub/home")
    assert trainer_home.status_code == 200 and link in trainer_home.text
    assert "Grading: nbgrader&#39;s formgrader for the course" in trainer_home.text
    ann_home = ann.browser.get("/hub/home")
    assert ann_home.status_code == 200 and FORMGRADER not in ann_home.text

    # A trainee who asks for the service is refused by the hub, with her login and with her token alike.
    refused = ann.follow(f"{FORMGRADER}formgrader")
    assert refused.status_code == 403, (refused.status_code, refused.text[-500:])
    assert "Manage Assignments" not in refused.text
    for method, path in (("GET", "formgrader/api/assignments"), ("GET", "api/contents"),
                         ("POST", "api/kernels"), ("POST", f"formgrader/api/assignment/{ASSIGNMENT}/release")):
        reply = ann.lab(method, path, FORMGRADER)
        assert reply.status_code == 403, (method, path, reply.status_code)
        assert "capstone" not in reply.text

    # The trainer's token opens it: the formgrader lists the course's assignments.
    listed = trainer.lab("GET", "formgrader/api/assignments", FORMGRADER)
    assert listed.status_code == 200 and ASSIGNMENT in {a["name"] for a in listed.json()}


IDENTITY = ("import os, pwd, resource\n"
            "print(pwd.getpwuid(os.getuid()).pw_name, resource.getrlimit(resource.RLIMIT_AS)[0],\n"
            "      resource.getrlimit(resource.RLIMIT_NPROC)[0], os.nice(0), os.getcwd())\n")


def test_each_server_runs_as_its_account_with_limits(cohort, people):
    ann = people["ann"]
    name, memory, processes, niceness, cwd, server = ann.run(IDENTITY + "print(os.getppid())\n").split()
    assert name == ann.name
    assert int(memory) == 4 * 1024**3 and int(processes) == 512 and int(niceness) > 0
    assert cwd == f"/home/{ann.name}"

    # Per account: her server (the kernel's parent) is in her account's cgroup, which holds the cohort's limits;
    # where the machine has no usable cgroups, the per-process limits above stand alone and the log says so.
    assert "jupyterhub-singleuser" in Path(f"/proc/{server}/cmdline").read_text()
    joined = own_cgroups(Path(f"/proc/{server}/cgroup").read_text())
    log = cohort["log"].read_text()
    if cgroups_expected():
        tree = find_tree()
        assert "Per-account limits with cgroup" in log
        for folder in tree.folders(ann.name):
            assert server in (folder / "cgroup.procs").read_text().split()
        if tree.version == 1:
            assert joined["memory"].endswith(f"/frontline/{ann.name}")
            assert joined["cpu"].endswith(f"/frontline/{ann.name}")
            memory_folder, cpu_folder = (tree.parents[c] / ann.name for c in ("memory", "cpu"))
            assert (memory_folder / "memory.limit_in_bytes").read_text().strip() == str(4 * 1024**3)
            assert (cpu_folder / "cpu.cfs_quota_us").read_text().strip() == str(int(1.5 * CPU_PERIOD))
            assert (cpu_folder / "cpu.cfs_period_us").read_text().strip() == str(CPU_PERIOD)
        else:
            assert joined[""].endswith(f"/frontline/{ann.name}")
            folder = tree.parents[""] / ann.name
            assert (folder / "memory.max").read_text().strip() == str(4 * 1024**3)
            assert (folder / "cpu.max").read_text().split() == [str(int(1.5 * CPU_PERIOD)), str(CPU_PERIOD)]
    else:
        assert not any("/frontline/" in path for path in joined.values()), joined
        assert log.count("Per-account memory and CPU limits are not available") == 1, log[-3000:]

    # The formgrader service: its kernels run as the grader account, in the course folder, with the same limits.
    name, memory, processes, niceness, cwd = people["trainer"].run(IDENTITY, server=FORMGRADER).split()
    assert name == cohort["people"]["grader"]
    assert int(memory) == 4 * 1024**3 and int(processes) == 512 and int(niceness) > 0
    assert cwd == cohort["settings"]["state_dir"] + "/course"
