"""Python 2 source run as Python 3, converted in memory with fissix (the maintained lib2to3).

Only a source that Python 3 cannot compile is converted: a valid Python 3 file is never
rewritten. The fixers keep each statement on its line, and the converted code is compiled
with the original file name, so tracebacks name the file on disk and the line the user wrote.
Three changes keep that true where lib2to3 alone would not:

- ``fix_import`` runs only for a module inside a package (``in_package=True``): it turns Python 2's
  implicit relative ``import input_data`` into ``from . import input_data`` when a sibling file
  exists, which a script run as ``__main__`` or a top-level module cannot import.
- An import a fixer adds at the top (``from functools import reduce``) is joined to a
  neighbouring line with ``;`` instead of taking a line of its own.
- ``/`` keeps Python 2's meaning (floor division of two integers, NumPy integer arrays and
  integer tensors included) through :func:`classic_div`, unless the file imports
  ``division`` from ``__future__``.

``sys.setdefaultencoding(...)``, which Python 3 lacks, becomes a no-op. Where fissix would give
Python 3's behaviour, the code uses :mod:`tf1_rnn.legacy.py2_imports`: ``cPickle``/``pickle`` are its
``cPickle`` (Python 2's pickles read as Python 2 wrote them), ``cStringIO``/``StringIO`` its
``cStringIO`` (``StringIO(data)`` takes bytes), ``execfile`` its own (a Python 2 file converted).
"""
import io
import numbers
import tokenize

import numpy as np
from fissix import pygram, pytree
from fissix.fixer_base import BaseFix
from fissix.fixer_util import Call, Comma, Name
from fissix.fixes.fix_imports import FixImports
from fissix.pgen2 import driver, token
from fissix.pgen2.parse import ParseError
from fissix.pgen2.tokenize import TokenError
from fissix.refactor import RefactoringTool, _detect_future_features, get_fixers_from_package

syms = pygram.python_symbols
# fix_import only in packages; fix_execfile and fix_imports are replaced below
_REPLACED = (".fix_import", ".fix_execfile", ".fix_imports")
FIXERS = [name for name in get_fixers_from_package("fissix.fixes") if not name.endswith(_REPLACED)]
_HELPER = '__import__("tf1_rnn.legacy.py2", fromlist=["_"]).'
_RUNTIME = "tf1_rnn.legacy.py2_imports"
# Python 2 modules whose Python 3 stand-in would change what the program reads: they come from _RUNTIME
RUNTIME_MODULES = {"cPickle": "cPickle", "pickle": "cPickle", "cStringIO": "cStringIO", "StringIO": "cStringIO"}
_snippets = driver.Driver(pygram.python_grammar_no_print_statement, convert=pytree.convert)


def read_source(path):
    """A file's text, decoded as Python does (coding cookie or BOM, else UTF-8)."""
    with open(path, "rb") as f:
        data = f.read()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def compiles(source, filename):
    """Whether ``source`` is valid Python 3."""
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True


def to_python3(source, filename, python2=False, in_package=False):
    """``source`` unchanged if it is valid Python 3, else its Python 3 conversion.

    ``python2=True`` converts valid Python 3 too: a cell of a notebook that says it is Python 2
    (``for i in xrange(n):`` parses as Python 3 and fails only when it runs).
    ``in_package=True``: the file is a module of a package, where Python 2 read ``import x`` as
    the sibling module ``x`` when there is one (``filename`` must then be the file's path).

    Raises SyntaxError at the original file and line when the source is neither Python 3
    nor convertible Python 2: the error that lies furthest into the file, Python 3's own
    or the Python 2 parser's, since each parser got as far as its grammar allowed.
    """
    py3_error = None
    try:
        compile(source, filename, "exec", dont_inherit=True)
        if not python2:
            return source
    except SyntaxError as err:
        py3_error = err
    try:
        converted = _convert(source, filename, in_package)
    except (ParseError, TokenError, IndentationError) as err:
        py2_error = _as_syntax_error(err, source, filename)
        raise max(filter(None, (py3_error, py2_error)), key=lambda e: (e.lineno or 0)) from None
    for attempt in range(2):
        try:
            compile(converted, filename, "exec", dont_inherit=True)
            return converted
        except TabError:
            if attempt:
                raise
            converted = _expand_leading_tabs(converted)  # Python 2 read a tab as "up to a multiple of 8"
        except SyntaxError as err:
            lines = source.splitlines()
            if err.lineno and err.lineno <= len(lines):
                err.text = lines[err.lineno - 1]  # the user's line, not the converted one
            raise err from None


def _convert(source, filename, in_package=False):
    features = _detect_future_features(source)
    fixers = FIXERS + ["fissix.fixes.fix_import"] if in_package else FIXERS
    tool = _Tool(fixers, classic_division="division" not in features)
    if "print_function" in features:
        tool.driver.grammar = pygram.python_grammar_no_print_statement
    tree = tool.driver.parse_string(source if source.endswith("\n") else source + "\n")
    tree.future_features = features
    tool.refactor_tree(tree, filename)
    _join_added_statements(tree)
    converted = str(tree)
    return converted if source.endswith("\n") else converted[:-1]


class _Tool(RefactoringTool):
    def __init__(self, fixers, classic_division):
        self._classic_division = classic_division
        super().__init__(fixers)

    def get_fixers(self):
        pre_order, post_order = super().get_fixers()
        pre_order += [fixer(self.options, self.fixer_log) for fixer in (FixRuntimeImports, FixExecfile)]
        post_order.append(FixStdlibImports(self.options, self.fixer_log))  # fix_imports runs late too
        post_order.append(FixSetdefaultencoding(self.options, self.fixer_log))
        if self._classic_division:
            post_order.append(FixClassicDivision(self.options, self.fixer_log))
        return pre_order, post_order


def _added(statement):
    """Whether a fixer added ``statement``: an import made of new leaves (lineno 0), as
    ``touch_import`` adds, or fix_tuple_params' ``(a, b) = xxx_todo_changeme``."""
    first, last = statement.children[0], statement.children[0].children[-1:] or [None]
    if first.type in (syms.import_name, syms.import_from):
        return all(leaf.lineno == 0 for leaf in statement.leaves())
    return (first.type in (syms.expr_stmt, syms.atom) and last[0] is not None and last[0].type == token.NAME
            and last[0].value.startswith("xxx_todo_changeme") and last[0].lineno == 0)


def _join_added_statements(tree):
    """Put each statement a fixer added (an import, a tuple-parameter unpacking) on a neighbour's
    line (or on a blank line above the next ``def``/``class``), so that every line keeps its
    number. Where there is no such place the added line stays, and later lines shift by one."""
    added = [node for node in tree.pre_order() if node.type == syms.simple_stmt and _added(node)]
    for node in added:
        text = str(node).strip()
        before, after = node.prev_sibling, node.next_sibling
        if before is not None and before.type == syms.simple_stmt:
            newline = before.children[-1]
            newline.prefix = "; " + text + newline.prefix
        elif after is not None and after.type == syms.simple_stmt:
            first = _first_leaf(after)
            if before is not None and before.type == token.INDENT:  # first in a block: INDENT indents it
                if first.prefix.strip():
                    continue
                first.prefix = ""
            first.prefix += text + "; "
        elif after is not None and node.parent.type == syms.file_input and "\n\n" in _first_leaf(after).prefix:
            first = _first_leaf(after)
            head, _, tail = first.prefix.partition("\n\n")  # a blank line above a def or class: use it
            first.prefix = head + "\n" + text + "\n" + tail
        else:
            continue
        node.remove()


def _first_leaf(node):
    while node.children:
        node = node.children[0]
    return node


class FixSetdefaultencoding(BaseFix):
    """``sys.setdefaultencoding("utf-8")`` (after ``reload(sys)``) -> ``None``: Python 3 has no such
    function, and its strings are Unicode already."""

    PATTERN = "power< 'sys' trailer< '.' 'setdefaultencoding' > trailer< '(' any ')' > >"

    def transform(self, node, results):
        return Name("None", prefix=node.prefix)


class FixStdlibImports(FixImports):
    """fissix's renames of Python 2's standard modules, less those that come from the runtime."""

    mapping = {old: new for old, new in FixImports.mapping.items() if old not in RUNTIME_MODULES}


class FixExecfile(BaseFix):
    """``execfile(...)`` -> the runtime's ``execfile(...)``, which converts a Python 2 file it runs."""

    PATTERN = "power< name='execfile' trailer< '(' any* ')' > any* >"

    def transform(self, node, results):
        name = results["name"]
        name.replace(Name(f'__import__("{_RUNTIME}", fromlist=["_"]).execfile', prefix=name.prefix))


class FixRuntimeImports(BaseFix):
    """``import cPickle as p`` -> ``import tf1_rnn.legacy.py2_imports.cPickle as p``, ``from cPickle
    import load`` -> ``from tf1_rnn.legacy.py2_imports.cPickle import load``: the names bound stay."""

    def match(self, node):
        if node.type == syms.import_name:
            return _runtime_names(node.children[1])
        return node.type == syms.import_from and str(node.children[1]).strip() in RUNTIME_MODULES

    def transform(self, node, results):
        if node.type == syms.import_from:
            module = node.children[1]
            module.replace(Name(f"{_RUNTIME}.{RUNTIME_MODULES[str(module).strip()]}", prefix=module.prefix))
            return
        for item in results:  # "cPickle" or "cPickle as p" -> "<runtime>.cPickle as <the same name>"
            module, alias = _module_and_alias(item)
            new = _snippets.parse_string(f"import {_RUNTIME}.{RUNTIME_MODULES[module]} as {alias}\n")
            replacement = new.children[0].children[0].children[1]  # file_input > simple_stmt > import_name
            replacement.prefix = item.prefix
            item.replace(replacement.clone())


def _runtime_names(names):
    """The items of ``import``'s names (``a``, ``a as b``, a list of them) that name a runtime module."""
    items = [child for child in names.children if child.type != token.COMMA] \
        if names.type == syms.dotted_as_names else [names]
    return [item for item in items if _module_and_alias(item)[0] in RUNTIME_MODULES]


def _module_and_alias(item):
    if item.type == syms.dotted_as_name:
        return str(item.children[0]).strip(), item.children[2].value
    return str(item).strip(), str(item).strip()


class FixClassicDivision(BaseFix):
    """``a / b`` -> ``classic_div(a, b)``, ``a /= b`` -> ``a = classic_idiv(a, b)``."""

    BM_compatible = False
    _accept_type = None

    def match(self, node):
        if node.type == syms.term:
            return any(child.type == token.SLASH for child in node.children)
        return node.type == syms.expr_stmt and len(node.children) == 3 and node.children[1].type == token.SLASHEQUAL

    def transform(self, node, results):
        if node.type == syms.expr_stmt:
            target, operator, value = node.children
            first = target.clone()
            first.prefix = ""
            call = _helper_call("classic_idiv", first, value.clone())
            call.prefix = value.prefix
            equals = pytree.Leaf(token.EQUAL, "=", prefix=operator.prefix)
            return pytree.Node(syms.expr_stmt, [target.clone(), equals, call])
        children = node.children
        result = children[0].clone()
        result.prefix = ""
        for operator, operand in zip(children[1::2], children[2::2]):
            operand = operand.clone()
            if operator.type == token.SLASH:
                gap = operator.prefix + operand.prefix
                operand.prefix = gap if "\n" in gap else " "  # keeps a line break inside brackets
                result = _helper_call("classic_div", result, operand)
            else:
                result = pytree.Node(syms.term, [result, operator.clone(), operand])
        result.prefix = node.prefix
        return result


def _helper_call(name, left, right):
    if right.prefix == "":
        right.prefix = " "
    return Call(Name(_HELPER + name), [left, Comma(), right])


def _integral(x):
    """Whether Python 2's ``/`` would have floor-divided ``x``: ints, NumPy integers, integer tensors."""
    if isinstance(x, numbers.Integral):
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return False
    if hasattr(dtype, "is_integer"):  # a TensorFlow DType
        return bool(dtype.is_integer)
    try:
        return np.issubdtype(dtype, np.integer)
    except TypeError:
        return False


def classic_div(a, b):
    """Python 2's ``a / b``."""
    return a // b if _integral(a) and _integral(b) else a / b


def classic_idiv(a, b):
    """Python 2's ``a /= b``: in place where the type allows it, as before."""
    if _integral(a) and _integral(b):
        a //= b
    else:
        a /= b
    return a


def _as_syntax_error(err, source, filename):
    if isinstance(err, ParseError):
        lineno, offset = err.context[1]
        message = "invalid syntax (neither Python 3 nor Python 2)"
    elif isinstance(err, TokenError):
        lineno, offset = err.args[1]
        message = err.args[0]
    else:
        err.filename = filename
        return err
    lines = source.splitlines()
    text = lines[lineno - 1] if 0 < lineno <= len(lines) else None
    return SyntaxError(message, (filename, lineno, offset + 1, text))


def _expand_leading_tabs(source):
    lines = []
    for line in source.splitlines(keepends=True):
        body = line.lstrip(" \t")
        lines.append(line[:len(line) - len(body)].expandtabs(8) + body)
    return "".join(lines)
