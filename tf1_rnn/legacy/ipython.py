"""``%load_ext tf1_rnn``: the runner's TF 1.x namespace in a live Jupyter or IPython kernel.

    %load_ext tf1_rnn                 # then `import tensorflow as tf` gives what the runner gives
    %tf1_rnn --seed 1 --no-verify     # the runner's --seed / --no-verify / --verbose, set again

The runner's notebook mode (tf1_rnn.legacy.notebook) calls :func:`load` in its kernel before the
first cell, so a notebook sees the same thing under the runner and in Jupyter. A kernel needs
three things a script run does not:

- a ``tf`` the user imported before loading is the real TensorFlow: it is rebound, with a line;
- a Python 2 cell is converted as the runner converts scripts (tf1_rnn.legacy.py2), after IPython
  has turned its magics and ``!`` lines into Python, so those survive;
- re-running a cell that makes variables in the default graph fails as it did in TF 1.x, but
  TensorFlow's "already exists" error is followed by one line saying what to add to the cell.
"""
import random
import re
import sys

import numpy as np
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from tf1_rnn import compat
from tf1_rnn.legacy.namespace import Namespace
from tf1_rnn.legacy.patches import Patches

ALREADY_EXISTS = re.compile(r"^Variable \S+ already exists")
HINT = ("tf1_rnn: this cell makes variables that an earlier run of it already made in the default graph: "
        "add tf.reset_default_graph() at the top of the cell, or reuse=tf.AUTO_REUSE to its tf.variable_scope")


_INSTALLED = {}  # this kernel's installation: its Patches, undone by the next load or %unload_ext tf1_rnn


def unload():
    """Undo the namespace's installation (``%unload_ext tf1_rnn``); the kernel's hooks stay harmless."""
    from tf1_rnn.legacy import py2_imports

    py2_imports.uninstall_from_kernel()
    if "patches" in _INSTALLED:
        _INSTALLED.pop("patches").undo()


def load(shell, seed=None, verify=True, verbose=False, python2=False, tf_version=None, rnn_impl="tf"):
    """Install the namespace and seeds as the runner does before a script, and hook ``shell``.

    ``tf_version``: the era to run as (``era.Era.from_version``), as the runner read it from a notebook.

    ``python2``: every cell is Python 2 (the notebook says so), converted even where it parses as Python 3.
    ``rnn_impl``: ``auto`` puts the program's LSTMs and GRUs on the compiled kernels (the runner's
    default for a notebook, ``--rnn-impl``); ``tf`` keeps TensorFlow's ops (a live kernel's default).
    """
    compat.enable_tf1(verbose)
    if seed is not None:
        np.random.seed(seed)
        random.seed(seed)
    unload()
    _INSTALLED["patches"] = Patches()
    from tf1_rnn.legacy import install  # TensorFlow loads here, after enable_tf1

    from tf1_rnn.legacy import era

    chosen = era.Era.from_version(tf_version, python2=python2) if tf_version else None
    root = install.install(_INSTALLED["patches"], seed=seed, verify=verify, era=chosen, rnn_impl=rnn_impl)
    from tf1_rnn.legacy import py2_imports

    py2_imports.install_in_kernel(shell, python2=python2)  # the notebook's own Python 2 modules, %run
    _rebind_tf(shell, root)
    _convert_python2.all_cells = python2
    if _convert_python2 not in shell.input_transformers_post:
        shell.input_transformers_post.append(_convert_python2)
    if not shell.custom_exceptions:  # never displace a handler the user installed
        shell.set_custom_exc((ValueError,), _traceback_with_hint)
    shell.register_magic_function(tf1_rnn, "line", "tf1_rnn")
    return root


def _rebind_tf(shell, root):
    """Point names bound to TensorFlow (or to an earlier install) at the new namespace."""
    real = (compat.tensorflow, compat.tf)
    for name, value in list(shell.user_ns.items()):
        if name.startswith("_") or value is root:
            continue
        if any(value is module for module in real):
            shell.user_ns[name] = root
            print(f"tf1_rnn: `{name}` was imported before %load_ext tf1_rnn; it now names the TF 1.x "
                  "namespace, as `import tensorflow as tf` would give")
        elif isinstance(value, Namespace) and value.__name__ == "tensorflow":
            shell.user_ns[name] = root  # a previous %tf1_rnn: same namespace, new settings


def _convert_python2(lines):
    """IPython input transformer: a cell that is not Python 3 goes through the runner's converter.

    It runs after IPython's own transforms (magics are already Python calls). A cell that does not
    convert is left alone, so IPython reports its syntax error as usual.
    """
    from tf1_rnn.legacy import py2

    source = "".join(lines)
    try:
        converted = py2.to_python3(source, "<cell>", python2=_convert_python2.all_cells)
    except SyntaxError:
        return lines
    return converted.splitlines(keepends=True)


_convert_python2.all_cells = False


def _traceback_with_hint(shell, etype, value, tb, tb_offset=None):
    """IPython custom exception handler: the usual traceback, plus the hint for a re-run cell."""
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    if ALREADY_EXISTS.match(str(value)):
        print(HINT, file=sys.stderr)


@magic_arguments()
@argument("--seed", type=int, help="seed TensorFlow's graph-level seed (the default graph and every new "
          "one), NumPy, Python's random and the MNIST data order, as the runner's --seed does")
@argument("--no-verify", action="store_true", help="read_data_sets uses the IDX files in the named "
          "directory as they are: no checksum, no download")
@argument("--verbose", action="store_true", help="show TensorFlow's log and deprecation lines")
def tf1_rnn(line):
    """Install the TF 1.x namespace again with the runner's settings (%load_ext tf1_rnn used none)."""
    args = parse_argstring(tf1_rnn, line)
    from IPython import get_ipython

    load(get_ipython(), seed=args.seed, verify=not args.no_verify, verbose=args.verbose)


def load_ipython_extension(shell):
    """``%load_ext tf1_rnn``: the namespace with the runner's defaults, and the ``%tf1_rnn`` magic.

    In a kernel that has the namespace already (a notebook under the runner, which loads it before
    the first cell) it changes nothing, so the runner's --seed and --no-verify stay in force.
    """
    if not isinstance(sys.modules.get("tensorflow"), Namespace):
        load(shell)
