"""The course folder: where nbgrader keeps releases, submissions, grades and feedback for one trainer.

The kit's ``exercises/`` stays the single source: the course folder's ``source`` is a link to it. The course
folder is chosen with ``--course`` or ``FRONTLINE_COURSE`` (default: ``.frontline/course`` inside the kit, which
git ignores); it holds its own ``nbgrader_config.py`` that loads the kit's ``grading/nbgrader_config.py``, so
``nbgrader`` and the formgrader started from the course folder see the same settings.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from frontline.kit import KitPaths, default_exchange_root

COURSE_ENV_VAR = "FRONTLINE_COURSE"
COURSE_ID = "frontline"


def course_root_from_environment(kit_root: Path) -> Path:
    env = os.environ.get(COURSE_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return (kit_root / ".frontline" / "course").resolve()


def prepare_course_folder(course_root: Path, kit_root: Path) -> None:
    """Create the course folder with ``source`` linking to the kit's exercises and a local nbgrader config."""
    course_root.mkdir(parents=True, exist_ok=True)
    source = course_root / "source"
    exercises = (kit_root / "exercises").resolve()
    if source.is_symlink() and source.resolve() != exercises:
        source.unlink()
    if not source.exists() and not source.is_symlink():
        source.symlink_to(exercises, target_is_directory=True)
    local_config = course_root / "nbgrader_config.py"
    wanted = (
        "# Course folder config: loads the Frontline kit's nbgrader settings (edit those, not this file).\n"
        "import os\n\n"
        f"if not os.environ.get({COURSE_ENV_VAR!r}):\n"
        f"    os.environ[{COURSE_ENV_VAR!r}] = {str(course_root)!r}\n"
        f"load_subconfig({str(kit_root / 'grading' / 'nbgrader_config.py')!r})  # noqa: F821\n"
    )
    _replace_unless_same(local_config, wanted.encode("utf-8"))


def _replace_unless_same(path: Path, content: bytes) -> None:
    """Make ``path`` a regular file holding ``content``, never writing through a link or into another file.

    The hub's setup runs this as root in a course folder the grader account owns, where anyone with a shell as
    the grader could plant a link to a system file: the file is read only when it is a regular file (not
    following a link), and a new one is written beside it and renamed over whatever entry was there.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        current = None
    else:
        with os.fdopen(descriptor, "rb") as file:
            current = file.read() if stat.S_ISREG(os.fstat(file.fileno()).st_mode) else None
    if current == content:
        return
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # O_EXCL: a new file
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), 0o644)
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


@dataclass(frozen=True)
class Course:
    """A kit plus a course folder and an exchange: everything ``frontline grade`` works on."""

    kit: KitPaths
    root: Path
    exchange: Path

    @classmethod
    def open(cls, kit: KitPaths, root: Path | None = None, exchange: Path | None = None) -> Course:
        root = (root.expanduser().resolve() if root else course_root_from_environment(kit.root))
        exchange = (exchange or default_exchange_root()).expanduser().resolve()
        prepare_course_folder(root, kit.root)
        exchange.mkdir(parents=True, exist_ok=True)
        course = cls(kit, root, exchange)
        os.environ["PATH"] = course.environment()["PATH"]  # any gradebook opened from here can run `alembic`
        return course

    @property
    def db_path(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def folder(self, step: str, student: str, assignment: str) -> Path:
        return self.root / step / student / assignment

    def assignments(self) -> list[str]:
        return sorted(p.name for p in self.kit.exercises.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def notebook_names(self, assignment: str) -> list[str]:
        return sorted(p.stem for p in (self.kit.exercises / assignment).glob("*.ipynb"))

    def environment(self) -> dict[str, str]:
        """Variables that make the kit's nbgrader config, and the kernels it starts, find this course and kit.

        The interpreter's own folder goes first on PATH: nbgrader runs the ``alembic`` command it installs there
        to create the gradebook, which fails when the virtual environment is not activated.
        """
        bin_dir = str(Path(sys.executable).parent)
        path = os.environ.get("PATH", "")
        if bin_dir not in path.split(os.pathsep):
            path = os.pathsep.join([bin_dir, path]) if path else bin_dir
        return {COURSE_ENV_VAR: str(self.root), "FRONTLINE_EXCHANGE": str(self.exchange),
                "FRONTLINE_KIT": str(self.kit.root), "PATH": path}

    def config(self, **overrides):
        """The traitlets config of the kit's ``grading/nbgrader_config.py`` for this course."""
        from traitlets.config.loader import PyFileConfigLoader

        os.environ.update(self.environment())
        loader = PyFileConfigLoader("nbgrader_config.py", path=str(self.kit.grading))
        config = loader.load_config()
        for dotted, value in overrides.items():
            section, name = dotted.rsplit(".", 1)
            setattr(config[section], name, value)
        return config

    def api(self, **overrides):
        """nbgrader's Python API on this course (its methods return dicts with success, log and error)."""
        from nbgrader.apps.api import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        config = self.config(**overrides)
        return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
