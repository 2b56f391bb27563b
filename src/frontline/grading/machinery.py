"""Code that reaches for the grading itself: the names :class:`~frontline.grading.preprocessors.IsolatedExecute`
notes in a trainee's code cell (an integrity finding, no effect on the grade)."""

from __future__ import annotations

import ast
import contextlib
import io
import tokenize

# what a notebook names in its code when it reaches for the grading itself (the judge runs in the trainee's own
# process): dotted names, matched from their start; ``judge`` only where a module is imported; strings and comments
# are not code, so "don't judge" in a comment is nothing, and a module imported by a name built at run time is
# found by the call that imports it (``__import__``, ``importlib.import_module``)
MACHINERY = ("frontline.grading", "__closure__", "gc.get_objects", "sys.modules", "__import__",
             "importlib.import_module")
IMPORTED_MACHINERY = ("judge",)


def _dotted_names(source: str) -> list[tuple[str, bool]]:
    """Each dotted name in the code (``a.b.c``, ``from a import b`` as ``a.b``), and whether an import names it.

    Strings and comments are skipped by Python's own tokenizer; IPython's ``%magic`` and ``!command`` lines are
    first turned into the Python IPython runs. Code that does not tokenise to the end is read up to that point.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    with contextlib.suppress(SyntaxError, ValueError):
        source = TransformerManager().transform_cell(source)
    tokens = []
    with contextlib.suppress(tokenize.TokenError, SyntaxError):
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            tokens.append(token)
    names: list[tuple[str, bool]] = []
    statement: list[str] = []  # the keywords and names of the statement so far
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type in (tokenize.NEWLINE, tokenize.NL) or token.string == ";":
            statement = []
        elif token.type == tokenize.NAME:
            parts = [token.string]
            while (index + 2 < len(tokens) and tokens[index + 1].string == "."
                   and tokens[index + 2].type == tokenize.NAME):
                parts.append(tokens[index + 2].string)
                index += 2
            name = ".".join(parts)
            in_import = "import" in statement or (statement[:1] == ["from"] and name != "import")
            if statement[:1] == ["from"] and "import" in statement and len(statement) >= 2:
                name = f"{statement[1]}.{name}"  # from a import b: a.b
            names.append((name, in_import))
            statement.append(".".join(parts))
        index += 1
    return names


def _magic_code(source: str, depth: int = 3) -> list[str]:
    """The code that magics such as ``%time`` or ``%%capture`` run, which IPython passes to them as text."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("run_line_magic", "run_cell_magic")
                and node.args and isinstance(node.args[-1], ast.Constant) and isinstance(node.args[-1].value, str)):
            code = node.args[-1].value
            found.append(code)
            if depth > 1:
                found += _magic_code(code, depth - 1)
    return found


def machinery_named(source: str) -> list[str]:
    """The grading machinery a code cell names in its code (see ``MACHINERY``), sorted; the code a magic runs
    counts too."""
    found = set()
    for name, imported in (pair for code in (source, *_magic_code(source)) for pair in _dotted_names(code)):
        parts = name.split(".")
        for wanted in MACHINERY:
            size = wanted.count(".") + 1
            if any(".".join(parts[i:i + size]) == wanted for i in range(len(parts) - size + 1)):
                found.add(wanted)
        if imported:
            found.update(w for w in IMPORTED_MACHINERY if w in parts)
    return sorted(found)
