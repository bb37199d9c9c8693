"""The architecture holds: data flows one way, modules stay small, imports stay cheap, and every
error a user can meet comes from the coded catalogue. These read the source; they run in a second."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import feedback
from feedback.errors import Errors, FeedbackError

PACKAGE = Path(feedback.__file__).parent
MAX_LINES = 600

# Layers, lowest first: a module may import from its own layer or below, never above. The
# longest matching prefix gives a module its layer.
LAYERS = {
    "feedback.errors": 0, "feedback.checksums": 0, "feedback.records": 0, "feedback.lazy": 0, "feedback.json_values": 0, "feedback.terminal": 0,
    "feedback.config": 1, "feedback.taxonomy_spec": 1,
    "feedback.scores": 2, "feedback.redact": 2, "feedback.vader": 2, "feedback.language": 2,
    "feedback.screening": 2, "feedback.regex_safety": 2, "feedback.hashtags": 2, "feedback.email_text": 2,
    "feedback.sentiment": 3, "feedback.taxonomy": 3, "feedback.themes": 3, "feedback.stats": 3,
    "feedback.columns": 4, "feedback.score_columns": 4, "feedback.id_columns": 4, "feedback.io": 4,
    "feedback.model": 5, "feedback.corrections": 5,
    "feedback.pipeline": 6,
    "feedback.model.training": 7, "feedback.model.adapting": 7, "feedback.model.selection": 7,
    "feedback.labelling": 7, "feedback.engine": 7, "feedback.report": 7, "feedback.frames": 7,
    "feedback.discover": 8,
    "feedback.cli": 9, "feedback.__main__": 9,
}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def layer(module: str) -> int | None:
    best = None
    for prefix, rank in LAYERS.items():
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, rank)
    return None if best is None else best[1]


def imports(name: str, path: Path) -> set[str]:
    """feedback modules `name` imports, at any depth of its code (lazy imports count too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            known = modules()
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in known else target)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m == "feedback" or m.startswith("feedback.")}


def test_every_module_has_a_layer_and_is_small():
    for name, path in modules().items():
        if name == "feedback":
            continue
        assert layer(name) is not None, f"{name}: add it to LAYERS"
        n = len(path.read_text(encoding="utf-8").splitlines())
        assert n <= MAX_LINES, f"{name} has {n} lines (at most {MAX_LINES}): split it by job"


def test_nothing_imports_upward():
    upward = []
    for name, path in modules().items():
        if name == "feedback":
            continue  # the lazy public API names everything
        for target in imports(name, path):
            if target == "feedback":
                continue  # __version__ only
            if path.name == "__init__.py" and target.startswith(name + "."):
                continue  # a package's lazy facade names its own modules
            if layer(target) > layer(name):
                upward.append(f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})")
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    known = modules()
    graph = {name: {t for t in imports(name, path) if t in known and t != "feedback"}
             for name, path in known.items() if name != "feedback"}
    # A package's __init__ re-exporting its own modules is not a cycle of jobs: only edges that
    # leave the importing module's package count.
    def outside(src: str, dst: str) -> bool:
        return not dst.startswith(src + ".")

    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if not outside(node, nxt):
                continue
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)


@pytest.mark.parametrize("module", ["feedback", "feedback.cli", "feedback.config", "feedback.errors", "feedback.stats",
                                    "feedback.report", "feedback.io"])
def test_light_imports_load_no_spacy(module):
    code = f"import sys, {module}; assert 'spacy' not in sys.modules, 'spacy loaded'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_api_names_resolve():
    assert set(feedback.__all__) == {"__version__", *feedback._EXPORTS}
    for name in feedback._EXPORTS:
        assert getattr(feedback, name) is not None


# --- errors -----------------------------------------------------------------------------------

CODE = re.compile(r"^E\d{3}$")


def catalogue() -> dict[str, str]:
    return {k: v for k, v in vars(Errors).items() if CODE.match(k)}


def test_catalogue_renders_codes_and_every_code_is_used():
    codes = catalogue()
    assert Errors.E001.startswith("[E001] ")
    source = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    unused = [code for code in codes if f"Errors.{code}" not in source]
    assert not unused, f"codes no code raises: {unused}"
    used = set(re.findall(r"Errors\.(E\d{3})", source))
    assert used <= set(codes), f"codes used but not in the catalogue: {used - set(codes)}"


def _feedback_errors() -> set[str]:
    import feedback.errors as errors

    return {name for name, value in vars(errors).items()
            if isinstance(value, type) and issubclass(value, FeedbackError)}


def test_every_raised_feedback_error_comes_from_the_catalogue():
    """`raise InputError(f"...")` would be a message without a code: each one names Errors.E###."""
    classes = _feedback_errors()
    bare = []
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            cls = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if cls not in classes or cls == "TaxonomyError":  # TaxonomyError formats E101 itself
                continue
            text = ast.unparse(node.exc)
            first = node.exc.args[0] if node.exc.args else None
            # A variable holding a message, or a local helper that picks one, is allowed too.
            helper = isinstance(first, ast.Call) and isinstance(first.func, ast.Name) and first.func.id.startswith("_")
            if "Errors.E" not in text and not isinstance(first, ast.Name) and not helper:
                bare.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {text[:80]}")
    assert not bare, "\n".join(bare)


def test_no_plain_builtin_errors_raised_for_users():
    """ValueError/RuntimeError/KeyError raised by feedback reach users as tracebacks: use the catalogue.
    Asserts (programming errors) and `raise ... from` re-raises of FeedbackErrors are fine."""
    plain = []
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                if isinstance(func, ast.Name) and func.id in {"ValueError", "RuntimeError", "TypeError", "OSError"}:
                    plain.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {ast.unparse(node.exc)[:80]}")
    assert not plain, "\n".join(plain)


def test_row_error_and_problem_codes_are_the_published_schemas():
    import json

    from feedback.errors import ProblemCode, RowErrorCode

    schemas = PACKAGE / "schemas"
    error = json.loads((schemas / "error.schema.json").read_text(encoding="utf-8"))
    record = json.loads((schemas / "record.schema.json").read_text(encoding="utf-8"))
    assert [c.value for c in RowErrorCode] == error["properties"]["error"]["properties"]["code"]["enum"]
    problem_codes = json.dumps(record)
    assert all(f'"{c.value}"' in problem_codes for c in ProblemCode)
    assert '"enum": [' + ", ".join(f'"{c.value}"' for c in ProblemCode) + "]" in problem_codes


def _handles(handler: ast.ExceptHandler, raised: ast.Raise) -> bool:
    if not (isinstance(raised.exc, ast.Call) and isinstance(raised.exc.func, ast.Name)) or handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id == raised.exc.func.id for t in types)
