"""Python 2 across a whole program: its own modules converted in memory as they are imported.

    with converting_imports([script_dir], python2=era.python2):   # era: tf1_rnn.legacy.era.detect
        exec(code, main_namespace)

A ``sys.meta_path`` finder before the path finder gives each module under the program's folders
(``roots``, and folders it adds to ``sys.path`` later) a loader that converts it when it is Python 2
(:func:`tf1_rnn.legacy.py2.to_python3`; ``python2=True``: also when it parses as Python 3), compiled
under its own file name, so tracebacks show the line on disk; never the stdlib, site-packages or
tf1_rnn. Conversions are kept by content hash, in memory and under
``platformdirs.user_cache_dir("tf1_rnn")/py2``: a second run converts nothing. While it is open
there are also ``execfile``, ``reload``, ``raw_input`` and ``cPickle``, ``cStringIO``, ``StringIO``
(``imp`` on Python >= 3.12) for code that parses as Python 3; all leave on exit, with the program's
modules. Converted code imports this module's ``cPickle`` and ``cStringIO`` (registered as
``tf1_rnn.legacy.py2_imports.cPickle`` / ``.cStringIO``) and calls its :func:`execfile`.
Notebooks: :func:`install_in_kernel`.
"""
import builtins
import contextlib
import functools
import hashlib
import importlib
import importlib.machinery
import importlib.util
import io
import os
import pickle
import site
import sys
import sysconfig
import tempfile
import types

import fissix
import platformdirs

from tf1_rnn.legacy import py2

_ACTIVE = []  # the open contexts' hooks, innermost last


class ConversionCache:
    """Python 2 conversions by content hash: in ``memory``, and as files in ``directory`` (if any)."""

    def __init__(self, directory=None):
        self.directory = directory
        self.memory = {}
        self.conversions = 0  # how many sources fissix converted: a warm cache keeps this at 0

    def python3(self, source, filename, python2=False, in_package=False):
        """Like :func:`py2.to_python3`, remembered. ``python2=True``: the file is Python 2 even if
        it parses as Python 3, unless it has Python 3-only syntax (then it is returned as it is)."""
        if not python2 and py2.compiles(source, filename):
            return source
        key = _key(source, filename, in_package)
        if key not in self.memory:
            self.memory[key] = self._read(key)
        if self.memory[key] is None:
            self.memory[key] = self._convert(source, filename, in_package, key)
        return source if self.memory[key] == source else self.memory[key]

    def _convert(self, source, filename, in_package, key):
        try:
            converted = py2.to_python3(source, filename, python2=True, in_package=in_package)
        except SyntaxError:
            if not py2.compiles(source, filename):
                raise
            return source  # Python 3-only syntax (an f-string, print(x, end="")): a Python 3 file
        self.conversions += 1
        self._write(converted, key)
        return converted

    def _read(self, key):
        if self.directory is None:
            return None
        with contextlib.suppress(OSError):  # absent or unreadable: convert again
            with open(os.path.join(self.directory, key + ".py"), encoding="utf-8", newline="") as f:
                return f.read()
        return None

    def _write(self, text, key):
        """Atomically (a temporary file renamed): a reader never sees half a conversion. A cache
        that cannot be written only costs the next run a conversion."""
        if self.directory is None:
            return
        with contextlib.suppress(OSError):
            os.makedirs(self.directory, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=self.directory, suffix=".tmp", delete=False,
                                             encoding="utf-8", newline="") as f:
                f.write(text)
            os.replace(f.name, os.path.join(self.directory, key + ".py"))


@functools.lru_cache(maxsize=None)
def _converter_version():
    """Changes whenever the conversion could: fissix's version and py2.py's own text."""
    with open(py2.__file__, "rb") as f:
        return f"{fissix.__version__}:{hashlib.sha256(f.read()).hexdigest()}"


def _key(source, filename, in_package):
    # in a package, fix_import's result depends on which sibling modules exist
    siblings = []
    if in_package:
        siblings = sorted(name for name in os.listdir(os.path.dirname(os.path.abspath(filename)))
                          if name != "__pycache__" and not name.startswith("."))
    text = "\0".join([_converter_version(), repr(siblings), source])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=None)
def default_cache():
    """The process's cache, backed by the per-user cache directory."""
    return ConversionCache(os.path.join(platformdirs.user_cache_dir("tf1_rnn"), "py2"))


# -- what Python 2 code finds at run time ---------------------------------------------------------

def _binary(file):
    """Python 2 read and wrote pickles through files opened in text mode: use the bytes beneath."""
    if isinstance(file, io.TextIOBase) and hasattr(file, "buffer"):
        if file.writable():
            file.flush()  # what was written as text goes first
        return file.buffer
    return file


def _load(file, *, encoding="latin1", **options):
    """``pickle.load`` decoding Python 2's ``str`` as latin-1: text stays text, array bytes stay exact."""
    return pickle.load(_binary(file), encoding=encoding, **options)


def _loads(data, *, encoding="latin1", **options):
    data = data.encode("latin1") if isinstance(data, str) else data  # a pickle Python 2 kept in a str
    return pickle.loads(data, encoding=encoding, **options)


def _dump(obj, file, protocol=None, **options):
    pickle.dump(obj, _binary(file), protocol, **options)


def _string_io(value=None):
    """Python 2's ``StringIO(data)`` held bytes or text alike."""
    return io.BytesIO(value) if isinstance(value, (bytes, bytearray)) else io.StringIO(value)


def _module(name, doc, **attributes):
    module = types.ModuleType(name, doc)
    module.__dict__.update(attributes)
    return module


cPickle = _module("cPickle", "Python 2's cPickle: pickle, reading Python 2's pickles as it wrote them",
                  **{**{name: getattr(pickle, name) for name in pickle.__all__},
                     "load": _load, "loads": _loads, "dump": _dump})
cStringIO = _module("cStringIO", "Python 2's cStringIO (and StringIO)", StringIO=_string_io)


def execfile(filename, globals=None, locals=None):
    """Python 2's ``execfile``: run a file in the caller's namespace (or the given one), converted
    first when it is Python 2."""
    if globals is None:
        caller = sys._getframe(1)  # Python 2 ran the file where execfile was called
        globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
    hook = _ACTIVE[-1] if _ACTIVE else None
    cache, python2 = (hook.cache, hook.python2) if hook else (default_cache(), False)
    source = py2.read_source(filename)
    code = compile(cache.python3(source, filename, python2=python2), filename, "exec", dont_inherit=True)
    exec(code, globals, globals if locals is None else locals)


def raw_input(prompt=""):
    return builtins.input(prompt)  # the input of the moment (a Jupyter kernel replaces it)


# -- the import hook ------------------------------------------------------------------------------

class _ProgramLoader(importlib.machinery.SourceFileLoader):
    """One of the program's modules: Python 3 loads as usual, Python 2 is converted in memory."""

    def __init__(self, fullname, path, hook):
        super().__init__(fullname, path)
        self.hook = hook
        self.converted = False

    def get_code(self, fullname):
        if self.hook.python2:  # a .pyc beside it may hold an unconverted compile: read the source
            return self.source_to_code(self.get_data(self.path), self.path)
        return super().get_code(fullname)

    def source_to_code(self, data, path, *, _optimize=-1):
        source = importlib.util.decode_source(data)
        if not self.hook.python2 and py2.compiles(source, path):
            return super().source_to_code(data, path, _optimize=_optimize)
        in_package = "." in self.name or self.is_package(self.name)
        text = self.hook.cache.python3(source, path, python2=True, in_package=in_package)
        self.converted = text != source
        return compile(text, path, "exec", dont_inherit=True)

    def set_data(self, path, data, *, _mode=0o666):
        if not self.converted:  # converted code must not pass for the file's own bytecode
            super().set_data(path, data, _mode=_mode)


def _installed_dirs():
    paths = sysconfig.get_paths()
    dirs = [paths[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")]
    dirs += site.getsitepackages() + [site.getusersitepackages()]
    dirs.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tf1_rnn itself
    return {os.path.realpath(d) for d in dirs}


_real = functools.lru_cache(maxsize=1024)(os.path.realpath)


def _folder(entry):
    """A ``sys.path`` entry as a real folder ('' is the working directory)."""
    return _real(os.path.abspath(entry or os.curdir))


def _under(path, directory):
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


class _ProgramFinder:
    """The ``sys.meta_path`` entry: the path finder's answer, with the program's modules given
    a :class:`_ProgramLoader`. The path finder comes next, so anything else is its own answer."""

    def __init__(self, roots, python2, cache):
        self.roots = {_folder(root) for root in roots}
        self.python2 = python2
        self.cache = cache
        self.path_at_start = {_folder(entry) for entry in sys.path if isinstance(entry, str)}
        self.installed = _installed_dirs()

    def owns(self, filename):
        path = os.path.realpath(filename)
        if any(part in ("site-packages", "dist-packages") for part in path.split(os.sep)):
            return False
        if any(_under(path, directory) for directory in self.installed):
            return False
        added = {_folder(entry) for entry in sys.path if isinstance(entry, str)}
        return any(_under(path, root) for root in self.roots | (added - self.path_at_start))

    def find_spec(self, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        if self.owns(spec.origin):
            spec.loader = _ProgramLoader(fullname, spec.origin, self)
        return spec


def _python2_modules():
    # Converted code imports them as tf1_rnn.legacy.py2_imports.cPickle: registered like submodules
    modules = {"cPickle": cPickle, "cStringIO": cStringIO, "StringIO": cStringIO,
               f"{__name__}.cPickle": cPickle, f"{__name__}.cStringIO": cStringIO}
    if importlib.util.find_spec("imp") is None:  # Python >= 3.12
        modules["imp"] = _module("imp", "Python 2's imp.reload", reload=importlib.reload, new_module=types.ModuleType)
    return modules


@contextlib.contextmanager
def converting_imports(roots, python2=False, cache=None):
    """Convert the program's own Python 2 modules as they are imported; ``roots``: its folders (the
    script's). Yields the hook (``.cache.conversions`` counts what fissix converted)."""
    hook = _ProgramFinder(roots, python2, cache or default_cache())
    position = next((i for i, finder in enumerate(sys.meta_path) if finder is importlib.machinery.PathFinder),
                    len(sys.meta_path))
    sys.meta_path.insert(position, hook)
    names = {"execfile": execfile, "reload": importlib.reload, "raw_input": raw_input}
    added_names = {name: value for name, value in names.items() if not hasattr(builtins, name)}
    added_modules = {name: m for name, m in _python2_modules().items() if name not in sys.modules}
    vars(builtins).update(added_names)
    sys.modules.update(added_modules)
    _ACTIVE.append(hook)
    try:
        yield hook
    finally:
        _ACTIVE.remove(hook)
        sys.meta_path.remove(hook)
        for name, value in added_names.items():
            if getattr(builtins, name, None) is value:
                delattr(builtins, name)
        for name, module in list(sys.modules.items()):
            loader = getattr(getattr(module, "__spec__", None), "loader", None)
            if added_modules.get(name) is module or (isinstance(loader, _ProgramLoader) and loader.hook is hook):
                del sys.modules[name]


# -- notebooks ------------------------------------------------------------------------------------

_KERNEL = []  # the kernel's open context


def install_in_kernel(shell, python2=False, cache=None):
    """The hook in a Jupyter/IPython kernel for its life (from tf1_rnn.legacy.ipython.load): the modules
    the notebook imports from its folder (the working directory) or folders it adds to ``sys.path``,
    and ``%run script.py`` of a Python 2 script. A second call replaces the first. Returns the hook."""
    uninstall_from_kernel()
    stack = contextlib.ExitStack()
    hook = stack.enter_context(converting_imports([os.getcwd()], python2=python2, cache=cache))
    magics = shell.magics_manager.registry.get("ExecutionMagics")
    if magics is not None:  # %run calls its default_runner, when set, to run the file
        stack.callback(setattr, magics, "default_runner", magics.default_runner)
        magics.default_runner = functools.partial(_run_file, shell, hook)
    _KERNEL.append(stack)
    return hook


def uninstall_from_kernel():
    while _KERNEL:
        _KERNEL.pop().close()


def _run_file(shell, hook, filename, globals_, locals_=None, exit_ignore=False):
    """``%run``'s runner: IPython's own for Python 3; Python 2 converted and run in the script's
    namespace with its folder on ``sys.path`` (an error fails the cell, as in the script)."""
    from IPython.utils.syspathcontext import prepended_to_syspath

    source = py2.read_source(filename)
    text = hook.cache.python3(source, filename, python2=hook.python2)
    if text is source:
        return shell.safe_execfile(filename, globals_, locals_, exit_ignore=exit_ignore)
    with prepended_to_syspath(os.path.dirname(os.path.abspath(filename))), shell.builtin_trap:
        exec(compile(text, filename, "exec", dont_inherit=True), globals_, globals_ if locals_ is None else locals_)
    return None
