"""A TF 1.x Jupyter notebook under the runner: its code cells, in order, in a real kernel.

    python -m tf1_rnn.run_legacy [--seed N] [--no-verify] [--output PATH] NOTEBOOK.ipynb [ARGS...]

nbclient drives an IPython kernel of this very Python (whatever kernelspecs are installed and
whatever the notebook names, ``python2`` included), so ``%matplotlib inline``, ``!ls`` and
``display()`` behave as in Jupyter. Before the first cell the kernel gets what ``%load_ext tf1_rnn``
gives (tf1_rnn.legacy.ipython: the runner's namespace and seeds, Python 2 cells converted), and
``sys.argv`` is ``[NOTEBOOK, *ARGS]``; it runs in the notebook's folder, as Jupyter runs it.

Output streams to the terminal as it arrives (an image shows as ``[image/png]``). The executed
notebook, holding the outputs of the cells that ran, is written to ``NAME.out.ipynb`` beside
NOTEBOOK or to ``--output``, also when a cell fails (exit 1, one line naming the cell: its
position among all the notebook's cells, counting from 1) or the run is interrupted (exit 130).
"""
import json
import os
import re
import sys
import tempfile

PROG = "run_legacy"
INSTALL_HINT = "pip install 'tf1_rnn[notebook]'"
SETUP = """\
import sys
sys.argv = {argv!r}
from tf1_rnn.legacy import ipython as _tf1_rnn_ipython
_tf1_rnn_ipython.load(get_ipython(), seed={seed!r}, verify={verify!r}, verbose={verbose!r}, python2={python2!r},
                      tf_version={tf_version!r}, rnn_impl={rnn_impl!r})
"""
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NotebookError(Exception):
    """Why a notebook cannot run, in one line."""


def default_output(path):
    """Where the executed notebook goes when --output is not given: ``NAME.out.ipynb`` beside it."""
    return os.path.splitext(path)[0] + ".out.ipynb"


def read(path):
    """The notebook at ``path`` as nbformat v4, or a NotebookError saying why it is not one."""
    import nbformat

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        content = json.loads(text)
    except (OSError, UnicodeDecodeError) as err:
        raise NotebookError(f"cannot read {path}: {err}") from None
    except json.JSONDecodeError as err:
        raise NotebookError(f"{path} is not a Jupyter notebook: invalid JSON ({err})") from None
    if not isinstance(content, dict) or not isinstance(content.get("nbformat"), int):
        raise NotebookError(f"{path} is not a Jupyter notebook: its JSON has no nbformat version")
    if content["nbformat"] < 3:
        raise NotebookError(f"{path} is an IPython notebook of format {content['nbformat']} (before 2012): "
                            "open and save it in Jupyter first")
    try:
        return nbformat.reads(text, as_version=4)
    except (ValueError, TypeError, KeyError, AttributeError, nbformat.ValidationError) as err:
        # nbformat's reader reports malformed cells by whatever its code trips over
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise NotebookError(f"{path} is not a valid Jupyter notebook: {reason}") from None


def is_python2(nb):
    """Whether the notebook says it was written for Python 2 (its kernelspec or language_info)."""
    spec = nb.metadata.get("kernelspec", {})
    version = str(nb.metadata.get("language_info", {}).get("version", ""))
    return spec.get("name") in ("python2", "python27") or version.startswith("2.")


def _streaming_client(nbclient):
    class StreamingClient(nbclient.NotebookClient):
        """nbclient's executor, echoing each output to the terminal as the kernel sends it."""

        def output(self, outs, msg, display_id, cell_index):
            echo(msg["msg_type"], msg["content"])
            return super().output(outs, msg, display_id, cell_index)

    return StreamingClient


def echo(kind, content):
    """Show one kernel output: streams as they are, a result or display by its text or its type."""
    if kind == "stream":
        stream = sys.stderr if content.get("name") == "stderr" else sys.stdout
        stream.write(content.get("text", ""))
        stream.flush()
    elif kind in ("execute_result", "display_data"):
        data = content.get("data", {})
        images = [mime for mime in data if mime.startswith("image/")]
        text = data.get("text/plain") if not images else None
        print(text if text is not None else "[" + ", ".join(images or data) + "]", flush=True)


def _kernel_manager(jupyter_client, socket_dir):
    """An async kernel manager that launches ``sys.executable -m ipykernel_launcher``, kernelspec or not.

    On POSIX the kernel talks over Unix sockets in ``socket_dir`` (private to this user), not TCP.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Python 3 (tf1_rnn)", language="python", name=kernel_name)

    # "python3": jupyter_client then knows it is ipykernel (nbclient keeps its history in memory).
    sockets = {"transport": "ipc", "ip": os.path.join(socket_dir, "kernel")} if os.name == "posix" else {}
    return jupyter_client.AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ThisPython(), **sockets)


def _kernel_env():
    """The runner's environment, with this tf1_rnn importable in the kernel even if not installed."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), root) if p)
    return env


def describe(cell, index, error):
    """'cell 4 ("first line"), line 2: ename: evalue' -- the one line for a failing cell."""
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    lines = re.findall(r"Cell In\[\d+\], line (\d+)", ANSI.sub("", error.traceback))
    where = f", line {lines[-1]}" if lines else ""
    evalue = (ANSI.sub("", error.evalue).strip().splitlines() or [""])[0]
    return f"cell {index + 1} ({first!r}){where}: {error.ename}: {evalue}"


def run(args):
    """Run the notebook ``args.script`` as the runner's parsed ``args`` say; returns the exit status."""
    try:
        import jupyter_client
        import nbclient
        import nbformat
    except ImportError as err:
        return _fail(f"running a notebook needs Jupyter's nbclient and ipykernel ({err.name} is missing): "
                     f"{INSTALL_HINT}")
    output = args.output or default_output(args.script)
    try:
        nb = read(args.script)
    except NotebookError as err:
        return _fail(str(err))
    for cell in nb.cells:  # the written notebook shows this run only
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    setup = SETUP.format(argv=[args.script, *args.args], seed=args.seed, verify=not args.no_verify,
                         verbose=args.verbose, python2=is_python2(nb), tf_version=_era_version(args, nb),
                         rnn_impl=args.rnn_impl)
    with tempfile.TemporaryDirectory(prefix="tf1_rnn-kernel-") as socket_dir:
        client = _streaming_client(nbclient)(
            nb, km=_kernel_manager(jupyter_client, socket_dir), timeout=None, startup_timeout=120,
            coalesce_streams=True, resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.script))}})
        status = _execute(client, nb, setup, output)
    return _write(nbformat, nb, output, quiet=status != 0) or status


def _era_version(args, nb):
    """The release the kernel runs as: --tf-version's, or what the cells show (one line says so), or None
    for plain TF 1.x (a Python 2 notebook says so in its kernelspec)."""
    from tf1_rnn.legacy import era as eras

    if args.tf_version:
        return args.tf_version
    cells = [(f"cell {i + 1}", cell.source) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    found = eras.detect(args.script, extra_sources=cells)
    if found.version == "0.x" or found.two_value_dynamic_decode:
        print(f"{PROG}: {found.notice()}", file=sys.stderr)
        return "{}.{}".format(*found.release) if found.version == "0.x" else "1.1"
    return None


def _execute(client, nb, setup, output):
    """Start the kernel, set it up, run the code cells; returns the exit status (after one line if not 0)."""
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    started, index = False, None
    try:
        with client.setup_kernel(cleanup_kc=True, env=_kernel_env()):
            started = True
            try:
                _prepare(client, setup)
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type == "code":
                        client.execute_cell(cell, index)
            except KeyboardInterrupt:
                client.shutdown_kernel = "immediate"  # a graceful shutdown would wait on the busy cell
                raise
    except NotebookError as err:
        return _fail(str(err))
    except CellExecutionError as err:
        return _fail(describe(nb.cells[index], index, err))
    except DeadKernelError:
        where = f"in cell {index + 1}" if index is not None else "before the first cell"
        return _fail(f"the kernel died {where} (out of memory? a crash in native code?)")
    except (RuntimeError, TimeoutError, OSError) as err:
        return _fail(f"the Jupyter kernel {'failed' if started else 'did not start'}: {err}")
    except KeyboardInterrupt:
        where = f" in cell {index + 1}" if index is not None else ""
        print(f"{PROG}: interrupted{where}; the kernel was stopped, outputs so far are in {output}",
              file=sys.stderr)
        return 130
    return 0


def _prepare(client, setup):
    """Give the started kernel the runner's namespace before any cell (silently, outside the history)."""
    if not client.kc:
        raise NotebookError("the Jupyter kernel did not start")
    reply = client.wait_for_reply(client.kc.execute(setup, silent=True, store_history=False))
    content = (reply or {}).get("content", {})
    if content.get("status") != "ok":
        evalue = (content.get("evalue") or "").strip().splitlines() or [""]
        raise NotebookError(f"the kernel could not set up tf1_rnn: {content.get('ename')}: {evalue[0]}")


def _write(nbformat, nb, output, quiet):
    """Write the executed notebook; returns 1 (after one line) if it cannot be written, else 0."""
    try:
        nbformat.write(nb, output)
    except OSError as err:
        return _fail(f"cannot write the executed notebook to {output}: {err.strerror}")
    if not quiet:  # after a failure, the one line about it is the last word
        print(f"{PROG}: wrote {output}", file=sys.stderr)
    return 0


def _fail(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1
