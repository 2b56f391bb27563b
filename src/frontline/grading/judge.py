"""The test runner inside an isolated grading kernel (see :mod:`frontline.grading.sandbox`).

The grading kernel is started with ``python -m frontline.grading.judge KEY_FILE -f CONNECTION_FILE``: before any
trainee code runs, this module reads (and deletes) a per-kernel secret, takes a copy of the builtins and of the
IPython shell's input transformers, and then starts the ordinary IPython kernel. Test cells are not sent as they
are: each becomes one call of :func:`run` carrying its test code sealed with the secret, so:

* the trainee's earlier cells cannot read the hidden tests from the cell text, and an input transformer that
  rewrites the cell stops the tests from running rather than passing them (a test cell counts only with a
  verdict signed with the secret; see ``preprocessors.IsolatedExecute``);
* the sealed text also carries a one-time token the grader chose for that cell, and the verdict must repeat it:
  a cell that replaced :func:`run` with its own function (even one that signs verdicts with the real run's
  helpers) cannot know the token without the secret, so the tests it faked score nothing;
* builtins and input transformers are put back as they were before the trainee's first cell;
* the tests run in their own namespace (a copy of the trainee's, with fresh builtins), so reference values such
  as ``_expected`` never become visible to the trainee's later cells;
* every comparison in the tests refuses an operand whose type the trainee defined (an object made to equal
  anything), checked through containers and pandas/numpy object columns.

All of this runs in the trainee's own process, so it defeats the tricks above, not code written to take the
kernel itself apart; docs/trainer.md says where the line is. Graded scenarios do not depend on it: their answer
is a file of clicks, which the grader replays itself in a process that runs no trainee code
(:mod:`frontline.grading.replay`), and the points nbgrader records for those cells are the replay's; this judge's
verdict on them is only compared with it.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import hmac
import importlib
import io
import json
import math
import operator
import os
import sys
import types
from contextlib import redirect_stdout

VERDICT_MIME = "application/vnd.frontline.verdict+json"
COMPARE_NAME = "__frontline_compare__"
_COMPARISONS = {"Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le, "Gt": operator.gt,
                "GtE": operator.ge, "In": lambda a, b: a in b, "NotIn": lambda a, b: a not in b,
                "Is": operator.is_, "IsNot": operator.is_not}
_CHECKED = set(_COMPARISONS) - {"Is", "IsNot"}
_MAX_ELEMENTS = 5000
_KERNEL_OWNED = {"input", "exit", "quit", "get_ipython", "display", "__IPYTHON__", "_", "__", "___"}  # set per cell
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: set on every class made by a class statement
UNTRUSTED = "UntrustedAnswer"
REPORT_ID = "(after the last cell)"
RESULT_NAME = "__frontline_result__"  # the value of a test's last expression: nbgrader's partial credit
PRINTED_LIMIT = 10_000  # characters of what a test prints for the trainee (a graded scenario's path)


# ---- shared with the grader (pure functions of the secret) ------------------------------------------------------

def _keystream(key: bytes, label: str, length: int) -> bytes:
    blocks, counter = [], 0
    while sum(map(len, blocks)) < length:
        blocks.append(hashlib.sha256(key + label.encode() + counter.to_bytes(8, "big")).digest())
        counter += 1
    return b"".join(blocks)[:length]


def seal(key: bytes, grade_id: str, source: str) -> str:
    """The test code, unreadable without the kernel's secret (hex text, safe inside a cell)."""
    data = source.encode("utf-8")
    return bytes(a ^ b for a, b in zip(data, _keystream(key, grade_id, len(data)), strict=True)).hex()


def _unseal(key: bytes, grade_id: str, sealed: str) -> str:
    data = bytes.fromhex(sealed)
    return bytes(a ^ b for a, b in zip(data, _keystream(key, grade_id, len(data)), strict=True)).decode("utf-8")


def signature(key: bytes, grade_id: str, passed: bool, message: str, restored: list[str],
              attempts: list[list], printed: str = "", score: float | None = None, token: str = "") -> str:
    payload = json.dumps([grade_id, passed, message, restored, attempts, printed, score, token]).encode("utf-8")
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def harness_source(key: bytes, grade_id: str, source: str, token: str = "") -> str:
    """What is sent to the kernel in place of a test cell: the test code and the cell's token, sealed."""
    return (f"__import__('frontline.grading.judge', fromlist=['run']).run({grade_id!r}, "
            f"{seal(key, grade_id, token + chr(10) + source)!r})")


def report_source(key: bytes, token: str) -> str:
    """What is sent to the kernel after the last cell (see :func:`report`)."""
    return f"__import__('frontline.grading.judge', fromlist=['report']).report({seal(key, REPORT_ID, token)!r})"


# ---- the comparison guard ----------------------------------------------------------------------------------------

class _RewriteComparisons(ast.NodeTransformer):
    """``a == b`` (and every other value comparison) becomes ``__frontline_compare__(a, ('Eq',), b)``."""

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        names = [type(op).__name__ for op in node.ops]
        if not _CHECKED.intersection(names):
            return node
        call = ast.Call(func=ast.Name(COMPARE_NAME, ast.Load()),
                        args=[node.left, ast.Constant(tuple(names)), *node.comparators], keywords=[])
        return ast.copy_location(call, node)


def _trusted_roots() -> tuple[str, ...]:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return tuple({os.path.realpath(p) + os.sep for p in (sys.base_prefix, sys.prefix, here)})


def _resolve(module, qualname: str):
    value = module
    for part in qualname.split("."):
        value = getattr(value, part, None)
    return value


class Untrusted(AssertionError):
    """A value in a comparison whose type the trainee's code made (it could be made to equal anything)."""


def _make_guard(pristine_types: frozenset):
    roots = _trusted_roots()

    def trusted_type(kind: type) -> bool:
        if kind in pristine_types or not kind.__flags__ & _HEAP_TYPE:
            return True  # a type written in C: no notebook can make one
        module = sys.modules.get(getattr(kind, "__module__", "") or "")
        path = os.path.realpath(getattr(module, "__file__", None) or "/nonexistent")
        if module is None or module.__name__ == "__main__" or not path.startswith(roots):
            return False
        if _resolve(module, getattr(kind, "__qualname__", "")) is not kind:
            return False
        for slot in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__contains__", "__bool__"):
            code = getattr(getattr(kind, slot, None), "__code__", None)
            generated = code is not None and code.co_filename == "<string>"  # e.g. a dataclass's __eq__
            if code is not None and not generated and not os.path.realpath(code.co_filename).startswith(roots):
                return False
        return True

    def require(value, budget: list[int], depth: int = 0) -> None:
        budget[0] -= 1
        if budget[0] < 0 or depth > 6:
            return
        kind = type(value)
        if not trusted_type(kind):
            raise Untrusted("the answer must be a plain value (a number, text, list, table), "
                            "not an object made in the notebook")
        if kind in (list, tuple, set, frozenset):
            for item in value:
                require(item, budget, depth + 1)
        elif kind is dict:
            for key, item in value.items():
                require(key, budget, depth + 1)
                require(item, budget, depth + 1)
        elif str(getattr(value, "dtype", "")) == "object" and hasattr(value, "values"):
            values = getattr(value, "values", ())
            for item in list(getattr(values, "ravel", lambda: values)())[:_MAX_ELEMENTS]:
                require(item, budget, depth + 1)
            for item in list(getattr(value, "index", ()))[:_MAX_ELEMENTS]:
                require(item, budget, depth + 1)

    def compare(left, names: tuple[str, ...], *rights):
        values = (left, *rights)
        for index, value in enumerate(values):
            if _CHECKED.intersection(names[max(0, index - 1):index + 1]):  # the operators this value takes part in
                require(value, [_MAX_ELEMENTS])
        if len(names) == 1:
            return _COMPARISONS[names[0]](left, rights[0])
        result = True
        for a, name, b in zip(values[:-1], names, values[1:], strict=True):
            result = _COMPARISONS[name](a, b)
            if not result:
                return result
        return result

    return compare


# ---- what the trainee's code tried: Python's audit hooks (they cannot be removed once added) -----------------

_PROGRAMS = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.fork", "os.forkpty",
             "pty.spawn"}
_WATCHED = {"open", "os.listdir", "os.scandir", "os.remove", "os.rename", "os.rmdir", "os.mkdir", "shutil.rmtree",
            "os.truncate", "socket.connect", "socket.getaddrinfo", "socket.sendto", "sqlite3.connect", "os.kill",
            "os.killpg", *_PROGRAMS}
_WRAPPERS = (f"{os.sep}IPython{os.sep}", f"{os.sep}ipykernel{os.sep}")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _allowed_roots(workdir: str) -> tuple[str, ...]:
    from frontline.grading.sandbox import package_folders

    roots = [workdir, os.environ.get("HOME", "/nonexistent"), "/tmp", "/proc", "/dev", "/usr", "/etc",
             *map(str, package_folders())]
    return tuple(os.path.realpath(root) + os.sep for root in roots)


def _watch(attempts: list, workdir: str, watching: list[bool]) -> None:
    """Record what the trainee's code tries, once ``watching[0]`` is set (after the kernel's own start-up)."""
    allowed = _allowed_roots(workdir)
    ancestors = {os.path.dirname(root.rstrip(os.sep)) for root in allowed}
    ancestors |= {os.path.dirname(a) for a in list(ancestors)} | {"/"}
    busy = [False]

    def path_of(value) -> str | None:
        if isinstance(value, int) or value is None:
            return None
        try:
            return os.path.realpath(os.path.abspath(os.fsdecode(value)))
        except (TypeError, ValueError):
            return None

    def outside(path: str | None) -> bool:
        return path is not None and not (path + os.sep).startswith(allowed)

    def describe(event: str, args: tuple) -> str | None:
        if event == "open":
            path, mode, flags = [*args, None, None, 0][:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
            where = path_of(path)
            if outside(where):
                return f"tried to {'write' if writing else 'read'} {where}"
        elif event in ("os.listdir", "os.scandir"):
            where = path_of(args[0] if args else ".")
            if outside(where) and where not in ancestors:
                return f"tried to list {where}"
        elif event in ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "shutil.rmtree", "os.truncate"):
            where = path_of(args[0] if args else None)
            if outside(where):
                return f"tried to change {where}"
        elif event in _PROGRAMS:
            return f"started another program ({str(args[0] if args else '')[:80]})"
        elif event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
            return "tried to use the network"
        elif event == "sqlite3.connect":
            return f"opened a database ({str(args[0] if args else '')[:200]})"
        elif event in ("os.kill", "os.killpg"):
            return "sent a signal to another process"
        return None

    standard_library = os.path.dirname(os.__file__) + os.sep

    def from_a_cell() -> bool:
        """Is the nearest caller outside the standard library and IPython (which wraps ``open`` for cells) the
        notebook's own code, rather than a library's?"""
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            passing = (name.startswith(standard_library) and "site-packages" not in name) or any(
                part in name for part in _WRAPPERS)
            if not passing:
                return "ipykernel_" in name or name.startswith("<ipython-input")
            frame = frame.f_back
        return False

    def hook(event: str, args: tuple) -> None:
        if event not in _WATCHED or busy[0] or not watching[0] or len(attempts) >= 50:
            return  # the common case, kept cheap: most events (imports, compiles) are not watched
        busy[0] = True
        try:
            text = describe(event, args)
            text = text if text and from_a_cell() else None
            if text:
                module = sys.modules.get("IPython.core.interactiveshell")
                shell = module.InteractiveShell if module else None
                count = shell.instance().execution_count if shell and shell.initialized() else 0
                attempts.append([int(count), text])
        except Exception:  # a watcher that fails must never break the trainee's code
            pass
        finally:
            busy[0] = False

    sys.addaudithook(hook)


# ---- inside the kernel ------------------------------------------------------------------------------------------

def _install(key: bytes):
    """Snapshot what the trainee could change and return ``run`` (the secret lives only in its closure)."""
    pristine_builtins = dict(builtins.__dict__)
    pristine_types = frozenset(v for v in pristine_builtins.values() if isinstance(v, type))
    compare = _make_guard(pristine_types)
    transformers: dict[str, list] = {}
    judge_namespace: dict = {}
    attempts: list[list] = []
    watching = [False]
    _watch(attempts, os.getcwd(), watching)

    def shell_ready() -> None:
        """Called once the shell exists and before any cell: note its builtins and input transformers."""
        shell = _shell()
        pristine_builtins.update(builtins.__dict__)  # with the kernel's own input(), exit and quit
        for name in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            transformers[name] = list(getattr(shell, name, []))
        watching[0] = True

    def restore(shell) -> list[str]:
        """Put back what the trainee's cells changed; return what was changed, in words."""
        restored = []
        module = sys.modules.get("frontline.grading.judge")  # the name test cells call, not __main__
        for name, value in (("run", run), ("report", report), ("shell_ready", shell_ready)):
            if module is not None and getattr(module, name, None) is not value:
                setattr(module, name, value)
                restored.append("the grading's own functions")
        for name, value in pristine_builtins.items():
            if name not in _KERNEL_OWNED and builtins.__dict__.get(name) is not value:
                builtins.__dict__[name] = value
                restored.append(f"the built-in {name}")
        for name, value in transformers.items():
            if getattr(shell, name) != value:
                getattr(shell, name)[:] = value
                restored.append("how cells are read (input transformers)")
        for name in ("showtraceback", "run_cell", "run_code", "transform_cell", "user_expressions"):
            if shell.__dict__.pop(name, None) is not None:  # instance attributes hiding the shell's own methods
                restored.append(f"the shell's {name}")
        return sorted(set(restored))

    def publish(grade_id: str, passed: bool, message: str, restored: list[str], printed: str = "",
                score: float | None = None, token: str = "") -> None:
        noted = [list(a) for a in attempts]
        attempts.clear()
        content = {"grade_id": grade_id, "passed": passed, "message": message, "restored": restored,
                   "attempts": noted, "printed": printed, "score": score, "token": token,
                   "signature": signature(key, grade_id, passed, message, restored, noted, printed, score, token)}
        _shell().display_pub.publish(data={VERDICT_MIME: content, "text/plain": "test verdict"}, metadata={})

    def report(sealed: str = "") -> None:
        """After the last cell: what was tried since the last test cell."""
        try:
            token = _unseal(key, REPORT_ID, sealed)
        except ValueError:
            token = ""
        publish(REPORT_ID, True, "", restore(_shell()), token=token)

    def run(grade_id: str, sealed: str) -> None:
        shell = _shell()
        restored = restore(shell)
        user_namespace = shell.user_ns
        namespace = {**user_namespace, **judge_namespace, "__builtins__": dict(pristine_builtins),
                     COMPARE_NAME: compare}
        _fresh_kit_modules(namespace)
        printed, score, token = io.StringIO(), None, ""
        try:
            token, _, source = _unseal(key, grade_id, sealed).partition("\n")
            tree = _keep_last_value(_RewriteComparisons().visit(ast.parse(source)))
            with redirect_stdout(printed):
                exec(compile(tree, f"tests of {grade_id}", "exec"), namespace)
            passed, message = True, ""
            score = _partial_score(namespace.pop(RESULT_NAME, None))
        except KeyboardInterrupt:
            raise  # the grader's time limit: reported as such
        except BaseException as error:
            passed, message = False, _describe(error)
        for name, value in namespace.items():
            if name not in ("__builtins__", COMPARE_NAME) and user_namespace.get(name, judge_namespace) is not value:
                judge_namespace[name] = value
        publish(grade_id, passed, message, restored, printed.getvalue()[:PRINTED_LIMIT], score, token)

    return run, report, shell_ready


def _fresh_kit_modules(namespace: dict) -> None:
    """Tests use the kit's modules as installed, not as the trainee's cells may have changed them: every
    ``frontline`` module but this one is loaded again from the (read-only) package, and names in the test's
    namespace that hold one are pointed at the fresh copy."""
    kit = [name for name in sys.modules if (name == "frontline" or name.startswith("frontline."))
           and name != "frontline.grading.judge"]
    for name in kit:
        del sys.modules[name]
    for key, value in list(namespace.items()):
        if isinstance(value, types.ModuleType) and value.__name__ in kit:
            namespace[key] = importlib.import_module(value.__name__)


def _keep_last_value(tree: ast.Module) -> ast.Module:
    """A test's last expression is kept (as nbgrader keeps a cell's result): its value is the partial credit."""
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        tree.body[-1] = ast.copy_location(
            ast.Assign(targets=[ast.Name(id=RESULT_NAME, ctx=ast.Store())], value=last.value), last)
    return ast.fix_missing_locations(tree)


def _partial_score(value: object) -> float | None:
    """A plain, finite number (not a bool, nor anything the trainee's code defined) or nothing."""
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    return None


def _describe(error: BaseException) -> str:
    try:
        text = str(error)
    except BaseException:
        text = ""
    name = type(error).__name__ if type(error).__module__ == "builtins" else "Error"
    if isinstance(error, Untrusted):
        name = UNTRUSTED
    return f"{name}: {text}" if text else name


def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def run(grade_id: str, sealed: str) -> None:  # replaced when a grading kernel starts (see main)
    raise RuntimeError("the tests can only run in a grading kernel")


def shell_ready() -> None:  # replaced when a grading kernel starts (see main)
    pass


def report(sealed: str = "") -> None:  # replaced when a grading kernel starts (see main)
    pass


def main(argv: list[str]) -> None:
    """Start a grading kernel: ``KEY_FILE -f CONNECTION_FILE`` (the key file is deleted once read)."""
    import importlib

    key_file, rest = argv[0], argv[1:]
    with open(key_file, "rb") as handle:
        key = handle.read()
    os.unlink(key_file)
    judge = importlib.import_module("frontline.grading.judge")  # not __main__: the name test cells call
    judge.run, judge.report, judge.shell_ready = _install(key)
    from ipykernel.kernelapp import IPKernelApp

    ready = "__import__('frontline.grading.judge', fromlist=['shell_ready']).shell_ready()"
    IPKernelApp.launch_instance(argv=rest, exec_lines=[ready])


if __name__ == "__main__":
    main(sys.argv[1:])
