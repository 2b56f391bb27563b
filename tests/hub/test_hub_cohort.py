"""A cohort on a real JupyterHub: two trainees and a trainer log in over HTTP and work through nbgrader's exchange.

Every step goes through the hub: trainees fetch, submit and fetch feedback with their lab's Assignment List, the
trainer runs `frontline grade` in a kernel of their own server, and each attack runs as the attacking trainee's
own account in their own kernel.
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


def _score(trainer: HubUser, student: str) -> float:
    out = trainer.run(
        "import os\nfrom nbgrader.api import Gradebook\n"
        "with Gradebook('sqlite:///' + os.path.expanduser('~/course/gradebook.db')) as gb:\n"
        f"    print(gb.find_submission({ASSIGNMENT!r}, {student!r}).score)\n"
    )
    return float(out.strip().splitlines()[-1])


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
probe("read trainer's course", lambda: os.listdir({trainer_home!r} + "/course"))
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

    code, out = trainer.shell("frontline", "grade", "release", ASSIGNMENT)
    assert code == 0, out

    for trainee in (ann, bob):
        reply = trainee.assignment_action("fetch", ASSIGNMENT)
        assert reply.status_code == 200, reply.text
        assert trainee.lab("GET", f"api/contents/{NOTEBOOK}").status_code == 200
    _answer(ann, kit)
    for trainee in (ann, bob):
        reply = trainee.assignment_action("submit", ASSIGNMENT)
        assert reply.status_code == 200 and "error" not in reply.json(), reply.text

    # Bob, from his own kernel, tries to read, overwrite and impersonate.
    out = bob.run(PROBES.format(other_home=f"/home/{ann.name}", trainer_home=f"/home/{trainer.name}",
                                assignment=ASSIGNMENT, other=ann.name))
    results = json.loads(out.strip().splitlines()[-1])
    planted = results.pop("plant a submission named as the other trainee")
    assert results == dict.fromkeys(results, "denied"), results
    assert planted == "allowed"  # the inbound folder takes anyone's files; collect must refuse this one

    for command in (("collect", ASSIGNMENT), ("autograde", ASSIGNMENT), ("feedback", ASSIGNMENT, "--release")):
        code, out = trainer.shell("frontline", "grade", *command, cwd="~/course")
        assert code == 0, (command, out)

    # Ann's grade is from her own work, not the later submission forged in her name; Bob's from his.
    assert _score(trainer, ann.name) == 3.0
    assert _score(trainer, bob.name) == 0.0
    code, out = trainer.shell("grep", "-c", ANN_MARK, f"course/submitted/{ann.name}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert code == 0, out

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
    formgrader = trainer.lab("GET", "formgrader", follow_redirects=True)  # the trainer's server has it
    assert formgrader.status_code == 200 and "formgrader" in str(formgrader.url)


def test_each_server_runs_as_its_account_with_limits(cohort, people):
    ann = people["ann"]
    out = ann.run("import os, pwd, resource\n"
                  "print(pwd.getpwuid(os.getuid()).pw_name, resource.getrlimit(resource.RLIMIT_AS)[0],\n"
                  "      resource.getrlimit(resource.RLIMIT_NPROC)[0], os.nice(0), os.getcwd(), os.getppid())\n")
    name, memory, processes, niceness, cwd, server = out.split()
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
