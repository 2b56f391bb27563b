"""Grading kernels in a sandbox: bubblewrap (``bwrap``), resource limits, and a throwaway folder per submission.

nbgrader's autograde runs unchanged; its kernel manager (``Execute.kernel_manager_class``) is
:class:`SandboxKernelManager`, which launches the kernel process inside ``bwrap`` with:

* a root file system made of read-only system folders (``/usr``, ``/etc``), the Python installation, the
  ``frontline`` package and the kit's public ``data/`` and ``notebooks/`` — not ``exercises/`` (solutions and hidden
  tests), ``grading/``, the course folder (gradebook, other students) or anything else of the trainer's;
* a throwaway working folder outside the course holding what the release hands out plus this submission's files,
  thrown away afterwards; a private ``/tmp`` and home;
* no network (``--unshare-net``: the kernel talks to the grader over Unix sockets in a private folder), its own
  process tree (``--unshare-pid``: every process it starts ends with it) and ``--die-with-parent``;
* when the grader runs as root, the kernel runs as an unused user id of its own; address-space, process-count,
  file-size and open-file limits (``prlimit``);
* an environment holding no path to the kit, the course or the exchange.

The process group is killed and both folders are removed when the kernel shuts down.
"""

from __future__ import annotations

import contextlib
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, Unicode

import frontline
from frontline.grading.files import copy_regular_tree

BWRAP = "/usr/bin/bwrap"
NOBODY = 65534
HOME = "/home/trainee"
WORKDIR = f"{HOME}/work"


class SandboxUnavailable(RuntimeError):
    pass


def require_tools() -> None:
    missing = [tool for tool in (BWRAP, "prlimit", "setpriv") if not shutil.which(tool)]
    if missing:
        raise SandboxUnavailable(
            f"grading needs {', '.join(missing)} to run submissions in isolation; install the Debian packages "
            "bubblewrap and util-linux (`apt-get install bubblewrap util-linux`)")


def _ancestors(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if str(p) != "/"]


def _processes_of(uid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                count += len(os.listdir(entry / "task"))
        except OSError:
            continue
    return count


def package_folders() -> list[Path]:
    """Read-only folders the kernel needs: Python, the installed packages, frontline and the kit's public content."""
    package = Path(frontline.__file__).resolve().parent
    folders = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package]
    kit = package.parents[1]
    if package == kit / "src" / "frontline":  # installed from the kit (editable): the kit's public content
        folders += [kit / name for name in ("data", "notebooks") if (kit / name).is_dir()]
    return folders


def within_hard_limit(which: int, wanted: int) -> int:
    """``wanted``, or this process's hard limit ``which`` when that is lower: once the kernel runs as an ordinary
    user, prlimit cannot raise a limit above what the grader itself was given, and the kernel would not start."""
    hard = resource.getrlimit(which)[1]
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def lowered_limits(memory_mb: int, processes: int) -> list[str]:
    """In words, the sandbox's limits the grader's own hard limits lower (see :func:`within_hard_limit`)."""
    notes = []
    memory = within_hard_limit(resource.RLIMIT_AS, memory_mb * 2**20)
    if memory < memory_mb * 2**20:
        notes.append(f"the grading sandbox's memory limit was lowered from {memory_mb} MiB to {memory // 2**20} "
                     "MiB, the hard limit of the grading process")
    wanted = processes if os.getuid() == 0 else _processes_of(os.getuid()) + processes
    if within_hard_limit(resource.RLIMIT_NPROC, wanted) < wanted:
        notes.append(f"the grading sandbox's process limit was lowered to "
                     f"{within_hard_limit(resource.RLIMIT_NPROC, wanted)}, the hard limit of the grading process")
    return notes


def sandbox_command(command: list[str], workdir: Path, runtime: Path, memory_mb: int, processes: int,
                    file_mb: int, uid: int = NOBODY) -> list[str]:
    """``command`` wrapped in bwrap, a change to the unprivileged ``uid`` (when root) and prlimit (each limit at
    most the grader's own hard limit)."""
    args = [BWRAP, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "grading"]
    for name in ("/usr", "/etc"):
        args += ["--ro-bind", name, name]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "01777", "--tmpfs", "/tmp", "--perms", "0755",
             "--dir", "/home", "--perms", "01777", "--tmpfs", HOME]
    made: set[Path] = {Path("/home"), Path(HOME), Path("/tmp")}
    for folder in package_folders():
        for parent in _ancestors(folder):
            if parent not in made and not str(parent).startswith(("/usr/", "/etc/")) and parent != Path("/usr"):
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(folder), str(folder)]
    args += ["--bind", str(runtime), str(runtime), "--bind", str(workdir), WORKDIR, "--chdir", WORKDIR]
    environment = {"HOME": HOME, "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                   "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                   "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "PYTHONDONTWRITEBYTECODE": "1",
                   "IPYTHONDIR": f"{HOME}/.ipython", "JUPYTER_PLATFORM_DIRS": "1"}
    args += ["--clearenv"]
    for key, value in environment.items():
        args += ["--setenv", key, value]
    if os.getuid() == 0:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--"]
        limit_processes = processes
    else:  # the limit counts every process of the user, so leave room for the trainer's own
        limit_processes = _processes_of(os.getuid()) + processes
    memory = within_hard_limit(resource.RLIMIT_AS, memory_mb * 2**20)
    limit_processes = within_hard_limit(resource.RLIMIT_NPROC, limit_processes)
    files = within_hard_limit(resource.RLIMIT_FSIZE, file_mb * 2**20)
    open_files = within_hard_limit(resource.RLIMIT_NOFILE, 256)
    args += ["prlimit", f"--as={memory}", f"--nproc={limit_processes}", f"--fsize={files}",
             f"--nofile={open_files}", "--core=0", "--"]
    return args + command


def submission_sources(cwd: Path) -> list[Path]:
    """Where the files of the notebook graded in ``cwd`` come from, later ones overriding earlier ones: for an
    autograded copy, what the release hands out, then the submission as handed in (never the autograded copy)."""
    if len(cwd.parts) >= 3 and cwd.parents[1].name == "autograded":
        course, student, assignment = cwd.parents[2], cwd.parent.name, cwd.name
        return [course / "release" / assignment, course / "submitted" / student / assignment]
    return [cwd]


def fill_workdir(workdir: Path, cwd: Path) -> list[str]:
    """What the release hands out, then the submission's own files (see :func:`submission_sources`).

    Regular files and folders only, links never followed (a trainee's link could name the trainer's files);
    returns what was left out.
    """
    skipped = []
    for source in submission_sources(cwd):
        if source.is_dir() and not source.is_symlink():
            skipped += copy_regular_tree(source, workdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints",
                                                                                       "*.corrupt"))
    return skipped


class SandboxKernelManager(AsyncKernelManager):
    """An ipykernel started by :mod:`frontline.grading.judge` inside bubblewrap (see the module docstring)."""

    memory_mb = Integer(2048, help="Address-space limit of a grading kernel, in MiB.").tag(config=True)
    processes = Integer(64, help="Processes and threads a grading kernel may have.").tag(config=True)
    file_mb = Integer(64, help="Largest file a grading kernel may write, in MiB.").tag(config=True)
    scratch_root = Unicode("", help="Where throwaway folders go (default: the system's temporary folder).").tag(
        config=True)

    judge_key: bytes = b""
    lowered: list[str]  # the limits lowered to the grader's own hard limits, in words (for the integrity report)
    # when root: a user id of its own per kernel, so the process limit of one submission is not shared with another
    kernel_uid: int = NOBODY
    _runtime: Path | None = None
    _workdir: Path | None = None

    def _folders(self) -> tuple[Path, Path]:
        if self._runtime is None:
            root = self.scratch_root or None
            self._runtime = Path(tempfile.mkdtemp(prefix="frontline-kernel-", dir=root))
            self._workdir = Path(tempfile.mkdtemp(prefix="frontline-submission-", dir=root))
            self.kernel_uid = secrets.randbelow(900_000) + 100_000  # above any account on the machine
            self.transport = "ipc"
            self.ip = str(self._runtime / "socket")
            self.connection_file = str(self._runtime / "kernel.json")
        return self._runtime, self._workdir

    async def _async_pre_start_kernel(self, **kw):
        require_tools()
        _, workdir = self._folders()
        cwd = kw.pop("cwd", None)
        if cwd and not any(workdir.iterdir()):
            fill_workdir(workdir, Path(cwd))
        kw["cwd"] = str(workdir)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        runtime, workdir = self._folders()
        if not self.judge_key:
            self.judge_key = os.urandom(32)
        key_file = runtime / "judge.key"
        key_file.write_bytes(self.judge_key)
        extra = [a for a in kernel_cmd if a.startswith("--HistoryManager")]
        command = [sys.executable, "-m", "frontline.grading.judge", str(key_file), "-f", self.connection_file,
                   *extra]
        if os.getuid() == 0:
            for path in (runtime, workdir, *workdir.rglob("*"), *runtime.iterdir()):
                os.lchown(path, self.kernel_uid, self.kernel_uid)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        kw["cwd"] = str(runtime)
        kw["stdout"] = subprocess.DEVNULL  # the kernel's own messages are not the grader's
        # what the launchers (bwrap, setpriv, prlimit) say when the kernel cannot start goes to the grader's log
        self._launcher_log = runtime.parent / f"{runtime.name}.log"
        self.lowered = lowered_limits(self.memory_mb, self.processes)
        for note in self.lowered:
            self.log.warning("Grading: %s", note)
        with self._launcher_log.open("ab") as launcher_errors:
            kw["stderr"] = launcher_errors
            await super()._async_launch_kernel(
                sandbox_command(command, workdir, runtime, self.memory_mb, self.processes, self.file_mb,
                                self.kernel_uid), **kw)

    async def _async_interrupt_kernel(self) -> None:
        """A message on the control channel: a signal to the process group would reach bwrap, not the kernel."""
        if self.has_kernel:
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

    def _end_process_group(self) -> None:
        pid = getattr(self.provisioner, "pid", None) if self.provisioner else None
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # the group of the bwrap process the grader started

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        await super()._async_shutdown_kernel(now=now, restart=restart)
        self._end_process_group()
        self._log_launcher()
        if not restart:
            for folder in (self._runtime, self._workdir):
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
            self._runtime = self._workdir = None

    def _log_launcher(self) -> None:
        """The end of what the kernel's launchers wrote on their error stream, into the grader's log (nbgrader
        keeps it when a submission cannot be graded)."""
        log = getattr(self, "_launcher_log", None)
        if log is None or not log.exists():
            return
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - 4000))
            text = handle.read().decode("utf-8", "replace").strip()
        log.unlink()
        self._launcher_log = None
        if text:
            self.log.warning("The grading kernel's launcher wrote:\n%s", text)

    # AsyncKernelManager binds its public names to the base coroutines: bind them to these
    interrupt_kernel = _async_interrupt_kernel
    shutdown_kernel = _async_shutdown_kernel
