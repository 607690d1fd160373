"""Which TensorFlow a program was written for, read once from the whole program before it runs.

    era = detect("train.py")       # Era(version='0.x', reason='line 2 imports tensorflow.models.rnn', ...)
    era = Era.from_version("0.8")  # the runner's --tf-version 0.8

:func:`detect` parses the script and the modules of its own folder it imports (followed with
``ast``; Python 2 read after conversion, through the cache the import hook uses) for names and
call forms only one era had (:data:`OLD_NAMES`, :data:`NEW_NAMES`, :func:`_call_sign`). Strong
signs are names one era lacked; weak ones a deprecated name 1.x kept, Python 2 in a file that
imports TensorFlow (TF 1.x ran on 2.7 too), a name 0.12 had already. ``tf.nn.rnn_cell``,
``tf.nn.dynamic_rnn`` and a missing ``tf.contrib`` say nothing. 0.x needs a strong 0.x sign and no
strong 1.x one; when both appear, more strong signs (then more signs) win and the reason says so.
:data:`CHANGES` is what the era changes for names both eras have (tensorflow/RELEASE.md), read
through :meth:`Era.value` and its properties.
"""
import ast
import dataclasses
import os
import re

from tf1_rnn.legacy.era_signs import (CHANGES, CROSS_ENTROPIES, NEW_NAMES, OLD_NAMES, PYTHON2_METHODS,  # noqa: F401
                                      PYTHON2_MODULES, PYTHON2_NAMES, STRONG, WEAK, Change)

# A sign of TF 1.0-1.1 within 1.x: dynamic_decode returned (outputs, state) until 1.2 added the lengths.
TWO_VALUE_DECODE = "unpacks tf.contrib.seq2seq.dynamic_decode into two names (TF 1.0-1.1)"


@dataclasses.dataclass(frozen=True)
class Sign:
    era: str       # "0.x" or "1.x"
    strong: bool
    where: str     # "line 2", "model.py line 2"
    what: str      # "imports tensorflow.models.rnn"
    bound: tuple = None  # 0.x: the last release with it; 1.x: the first

    def __str__(self):
        return f"{self.where} {self.what}"


@dataclasses.dataclass(frozen=True)
class Era:
    """The TensorFlow a program was written for. ``release``: whose defaults apply (the one given,
    else for 0.x the last release that has every 0.x name it uses, for 1.x the first that has
    every 1.x name it uses). ``python2``: some file of the program is Python 2."""
    version: str
    reason: str
    release: tuple = None
    python2: bool = False
    signs: tuple = ()

    @classmethod
    def from_version(cls, text, python2=False):
        """``--tf-version X.Y``: that release's era and defaults, whatever the program shows."""
        match = re.fullmatch(r"([01])\.(\d+)(\.\d+)?", str(text).strip())
        if not match:
            raise ValueError(f"Era.from_version: {text!r} is not a TensorFlow 0.x or 1.x release (e.g. 0.8, 1.4)")
        release = (int(match[1]), int(match[2]))
        return cls(f"{release[0]}.x", f"--tf-version {text}", release, python2)

    def value(self, name):
        """What ``name`` (a key of :data:`CHANGES`) was in this era's release."""
        release = self.release or ((0, 10) if self.version == "0.x" else (1, 0))
        return [value for first, value in CHANGES[name].steps if first is None or first <= release][-1]

    state_is_tuple_default = property(lambda self: self.value("state_is_tuple_default"))

    @property
    def two_value_dynamic_decode(self):
        """dynamic_decode returns (outputs, state), as before TF 1.2: the program unpacks it so, or
        ``--tf-version`` named 1.0 or 1.1."""
        return any(s.what == TWO_VALUE_DECODE for s in self.signs) or (self.given and self.release < (1, 2))

    initializer = property(lambda self: self.value("initializer"))
    given = property(lambda self: self.reason.startswith("--tf-version"))

    def notice(self):
        """The runner's line on the era it runs a program as; None for plain TF 1.x that nothing chose."""
        if self.version == "1.x" and not (self.python2 or self.two_value_dynamic_decode or self.given):
            return None
        return f"running as TF {self.version}{' and Python 2' if self.python2 else ''}: {self.reason}"


def detect(script_path, extra_sources=()):
    """The era of the program ``script_path`` from its own files and ``extra_sources``, ``(label,
    source)`` pairs: a notebook's code cells (``script_path`` the .ipynb, whose folder is searched).
    Python 2 files go into the import hook's cache on the way; if the program is Python 2, its files
    that parse as Python 3 too: ``converting_imports(..., python2=era.python2)`` converts nothing again."""
    from tf1_rnn.legacy import py2
    from tf1_rnn.legacy.py2_imports import default_cache

    root, script = os.path.dirname(os.path.abspath(script_path)), os.path.abspath(script_path)
    queue = [] if script.endswith(".ipynb") else [(script, False)]
    signs, python2, parsed_as_python3, seen = [], False, [], set()
    for label, source in extra_sources:  # IPython's magics and shell lines blanked, lines kept
        tree, python2_sign, _ = _parse(re.sub(r"(?m)^[ \t]*[%!].*$", "", source), label, False, f"{label} line")
        queue += _imported_files(tree, root, root) if tree else []
        signs += _file_signs(tree, python2_sign, f"{label} line") if tree else []
        python2 |= python2_sign is not None
    while queue:  # the program's own files, breadth first, each once
        path, in_package = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            source = py2.read_source(path)
        except (OSError, UnicodeDecodeError, LookupError, SyntaxError):
            continue  # the runner reports a file it cannot read when the program imports it
        where = "line" if path == script else f"{os.path.relpath(path, root)} line"
        tree, python2_sign, converted = _parse(source, path, in_package, where)
        if tree is not None:
            queue += _imported_files(tree, os.path.dirname(path), root)
            signs += _file_signs(tree, python2_sign, where)
            python2 |= python2_sign is not None
            parsed_as_python3 += [(source, path, in_package)] * (not converted)
    for source, path, in_package in parsed_as_python3 if python2 else ():
        default_cache().python3(source, path, python2=True, in_package=in_package)
    return decide(signs, python2)


def decide(signs, python2=False):
    """The Era the signs found make."""
    old, new = [s for s in signs if s.era == "0.x"], [s for s in signs if s.era == "1.x"]
    strong_old, strong_new = [s for s in old if s.strong], [s for s in new if s.strong]
    if strong_old and strong_new:
        version = "0.x" if (len(strong_old), len(old)) > (len(strong_new), len(new)) else "1.x"
        reason = (f"conflict: {strong_old[0]} (0.x only) but {strong_new[0]} (1.x only); {version} chosen: "
                  f"{_count(len(strong_old), 'strong 0.x sign')} ({len(old)} in all) against "
                  f"{_count(len(strong_new), 'strong 1.x sign')} ({len(new)} in all)")
    elif strong_old or new:
        version, first, others = ("0.x", strong_old[0], old) if strong_old else ("1.x", (strong_new or new)[0], new)
        reason = f"{first}" + (f" (and {_count(len(others) - 1, f'more {version} sign')})" if others[1:] else "")
    elif old:
        version, reason = "1.x", f"only weak 0.x signs, which TF 1.x allows too ({old[0]}): TF 1.x"
    else:
        version, reason = "1.x", "no TF 0.x-only names or imports: TF 1.x"
    bounds = [s.bound for s in (old if version == "0.x" else new) if s.bound]
    release = min(bounds, default=(0, 12)) if version == "0.x" else max(bounds, default=(1, 0))
    return Era(version, reason, release, python2, tuple(signs))


def _count(n, noun):
    return f"{n} {noun}{'s' * (n != 1)}"


# -- reading the program --------------------------------------------------------------------------

def _parse(source, filename, in_package, where):
    """(ast, a Sign if it is Python 2, whether it was converted); (None, None, False) for a file
    neither Python 3 nor Python 2 (running it will say why)."""
    from tf1_rnn.legacy.py2_imports import default_cache

    try:
        tree = ast.parse(source, filename)
    except SyntaxError as err:
        try:
            converted = default_cache().python3(source, filename, python2=True, in_package=in_package)
            return ast.parse(converted, filename), Sign("0.x", WEAK, f"{where} {err.lineno or 1}", "is Python 2"), True
        except SyntaxError:
            return None, None, False
    return tree, _python2_names(tree, where), False


def _python2_names(tree, where):
    """A Sign for the first Python 2-only name, module or dict method of a file that parses as Python 3."""
    nodes = list(ast.walk(tree))
    bound = {n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    bound |= {(a.asname or a.name).split(".")[0] for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom))
              for a in n.names}
    found = []
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in PYTHON2_NAMES and node.id not in bound:
            found.append((node.lineno, f"uses {node.id}"))
        elif isinstance(node, ast.Attribute) and node.attr in PYTHON2_METHODS:
            found.append((node.lineno, f"calls .{node.attr}()"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [(node.lineno, f"imports {m}") for m in modules if m.split(".")[0] in PYTHON2_MODULES]
    line, what = min(found, default=(None, None))
    return Sign("0.x", WEAK, f"{where} {line}", f"{what} (Python 2)") if found else None


def _imported_files(tree, here, root):
    """[(path, in_package)] of the program's own modules that ``tree`` imports (from ``root``, or
    beside the file for Python 2's implicit relative imports and for relative imports)."""
    wanted = []  # (dotted name, folder to look in, whether a module found there is in a package)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
            module = getattr(node, "module", None)
            names = [a.name for a in node.names]
            names = names if module is None else [module, *(f"{module}.{name}" for name in names)]
            wanted += [(name, folder, folder != root) for name in names for folder in {root, here}]
        elif isinstance(node, ast.ImportFrom):
            base = os.path.normpath(os.path.join(here, *[os.pardir] * (node.level - 1)))
            prefix = node.module + "." if node.module else ""
            names = [node.module] * bool(node.module) + [prefix + a.name for a in node.names]
            wanted += [(name, base, True) for name in names]
    found = []
    for dotted, folder, in_package in wanted:
        parts = dotted.split(".")
        for depth in range(1, len(parts) + 1):
            stem = os.path.join(folder, *parts[:depth])
            for path in (stem + ".py", os.path.join(stem, "__init__.py")):
                if os.path.isfile(path):
                    found.append((path, in_package or depth > 1 or path.endswith("__init__.py")))
    return found


def _file_signs(tree, python2_sign, where):
    aliases = _tensorflow_aliases(tree)
    signs = [python2_sign] if python2_sign and aliases else []
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        line = f"{where} {getattr(node, 'lineno', '')}"
        if isinstance(node, ast.Import):
            signs += [_name_sign(a.name, line, "imports") for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            signs += [_name_sign(f"{node.module}.{a.name}", line, "imports") for a in node.names]
        elif isinstance(node, ast.Attribute) and id(node) not in inner:
            signs.append(_name_sign(_resolve(node, aliases), line, "uses"))
        elif isinstance(node, ast.Call):
            signs.append(_call_sign(_resolve(node.func, aliases), node, line))
        elif (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple) and len(node.targets[0].elts) == 2
              and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
              and node.value.func.attr == "dynamic_decode"):  # by name: a notebook imports tf in another cell
            signs.append(Sign("1.x", WEAK, line, TWO_VALUE_DECODE))
    unique = {(s.where, s.what): s for s in signs if s}  # "from ... import rnn, rnn_cell": one sign
    return sorted(unique.values(), key=lambda s: int(s.where.rsplit(" ", 1)[1] or 0))


def _tensorflow_aliases(tree):
    """{name: dotted path} for names bound to TensorFlow's modules (imports, ``cell = tf.nn.rnn_cell``)."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0]
                            for a in node.names if a.name.split(".")[0] == "tensorflow"})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tensorflow" and not node.level:
            aliases.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            aliases[node.targets[0].id] = aliases.get(node.targets[0].id) or _resolve(node.value, aliases)
    return {name: path for name, path in aliases.items() if path}


def _resolve(node, aliases):
    """``tf.nn.rnn`` -> "tensorflow.nn.rnn"; None for what is not TensorFlow's."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    base = _resolve(node.value, aliases) if isinstance(node, ast.Attribute) else None
    return f"{base}.{node.attr}" if base else None


def _name_sign(path, line, verb):
    parts = (path or "").split(".")
    for depth in range(len(parts), 1, -1):
        key = ".".join(parts[:depth])
        for era, table in (("0.x", OLD_NAMES), ("1.x", NEW_NAMES)):
            if key in table:  # shown as the program wrote it: "imports tensorflow.x", "uses tf.x"
                shown = key if verb == "imports" else "tf." + key[11:]
                return Sign(era, table[key][0], line, f"{verb} {shown}", table[key][1])
    return None


def _is_int(node):
    node = node.operand if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) else node
    return isinstance(node, ast.Constant) and type(node.value) is int


def _is_list(node, of_bools=False):
    return isinstance(node, (ast.List, ast.Tuple)) and (not of_bools or bool(node.elts) and all(
        isinstance(e, ast.Constant) and type(e.value) is bool for e in node.elts))


def _call_sign(path, call, line):
    """Call forms only one era accepted: concat/split's argument order, reverse's bools, positional
    cross-entropies."""
    args, keywords = call.args, {k.arg for k in call.keywords}
    second = args[1] if len(args) > 1 else None
    if path == "tensorflow.concat":
        if "concat_dim" in keywords or (args and _is_int(args[0])) or (second and _is_list(second)):
            return Sign("0.x", STRONG, line, "calls tf.concat(concat_dim, values)", (0, 12))
        if "axis" in keywords or (args and _is_list(args[0])) or (second and _is_int(second)):
            return Sign("1.x", STRONG, line, "calls tf.concat(values, axis)", (1, 0))
    if path == "tensorflow.split":
        if {"split_dim", "num_split"} & keywords or (len(args) == 3 and _is_int(args[0]) and not _is_int(args[2])):
            return Sign("0.x", STRONG, line, "calls tf.split(split_dim, num_split, value)", (0, 12))
        if {"num_or_size_splits", "axis"} & keywords or (len(args) == 3 and _is_int(args[2]) and not _is_int(args[0])):
            return Sign("1.x", STRONG, line, "calls tf.split(value, num_or_size_splits, axis)", (1, 0))
    if path == "tensorflow.reverse" and ("dims" in keywords or (second and _is_list(second, of_bools=True))):
        return Sign("0.x", STRONG, line, "calls tf.reverse(tensor, dims) with one bool per dimension", (0, 12))
    if path in CROSS_ENTROPIES and len(args) >= 2:
        return Sign("0.x", STRONG, line, f"calls tf.{path[11:]}(logits, labels) positionally", (0, 12))
    return None
