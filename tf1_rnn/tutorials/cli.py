"""The command line every tutorial script shares, generated from its config dataclass.

Mistakes get one line on stderr and exit status 2 (as argparse does), never a traceback;
data and output problems exit 1, and so does a run directory another process holds (the same
command works once it is free); an interrupted run exits 130 (SIGINT) or 143 (SIGTERM).
"""
import argparse
import dataclasses
import functools
import math
import os
import sys

from tf1_rnn.data import datasets
from tf1_rnn.data.idx import DataError
from tf1_rnn.lstm.impl import LSTMUnavailable
from tf1_rnn.training import ownership, runs
from tf1_rnn.training.interrupts import Interrupted
from tf1_rnn.tutorials import configs

EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line (the usage stays behind ``--help``)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _parse_number(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, "
                                             f"got {text!r}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
        return value
    return parse


def _add_field(group, field):
    kind = configs.field_kind(field)
    default = field.default
    shown = "drawn at random" if default is None else default
    help_text = f"{field.metadata['help']} (default: {shown})"
    if kind is bool:
        group.add_argument(configs.flag(field.name), dest=field.name, help=help_text,
                           action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS)
    else:
        choices = getattr(field.metadata.get("check"), "choices", None)
        group.add_argument(configs.flag(field.name), dest=field.name, help=help_text,
                           type=_parse_number(kind) if kind in (int, float) else kind, choices=choices,
                           metavar="{" + ",".join(choices) + "}" if choices else field.name.upper(),
                           default=argparse.SUPPRESS)


def build_parser(config_cls, prog, description):
    parser = OneLineParser(prog=prog, description=description,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    tutorial = parser.add_argument_group("tutorial hyperparameters (defaults reproduce it)")
    run = parser.add_argument_group("run settings")
    for field in dataclasses.fields(config_cls):
        _add_field(tutorial if field.metadata.get("tutorial") else run, field)
    run.add_argument("--data-dir", help="directory with the IDX files; fetched there if missing "
                     "(default: $TF1_RNN_DATA_DIR/<dataset> or the per-user cache)")
    run.add_argument("--no-verify", action="store_true",
                     help="use the IDX files in --data-dir as they are: no checksum, no download "
                          "(your own data in MNIST's format)")
    run.add_argument("--source-url", help="MNIST-layout mirror to try before the canonical one and the "
                     "package-registry fallback (TF1's source_url)")
    run.add_argument("--logdir", help="new run directory for TensorBoard events, checkpoints and "
                     f"config (default: a new timestamped directory under logs/{prog})")
    run.add_argument("--resume", metavar="RUN_DIR",
                     help="continue the run in RUN_DIR from its latest checkpoint, with its stored "
                          "config; flags given again must agree with it")
    run.add_argument("--evaluate", metavar="RUN_DIR|CHECKPOINT",
                     help="restore a run's newest checkpoint into a freshly built graph and print its test "
                          "accuracy (no training); or a checkpoint written by the tutorial's TF 1.x program, "
                          "by its prefix (2RNN/ckpt1/mnist1.ckpt-1001) or its directory, restored by TF1 "
                          "variable names: then give the program's hyperparameters (--n-hidden ...) and "
                          "its runner --seed for the same draw:N test images")
    run.add_argument("--json", metavar="PATH", help="write the final metrics to PATH as JSON")
    run.add_argument("--verbose", action="store_true", help="show TensorFlow's own log and deprecation lines")
    return parser


def _config_from_args(parser, config_cls, args, stored):
    """The run's config: stored one (on --resume) or defaults, overridden by given flags."""
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(config_cls) if hasattr(args, f.name)}
    if stored is not None:
        for name, value in given.items():
            if value != getattr(stored, name):
                parser.error(f"{configs.flag(name)} {value} disagrees with {getattr(stored, name)} "
                             f"stored in {args.resume or args.evaluate}; drop the flag to use that run")
        return stored
    try:
        return config_cls(**given)
    except configs.ConfigError as err:
        parser.error(str(err))


def _resolve(parser, config_cls, args, prog):
    """``(config, data settings, TF1 checkpoint prefixes or None)``: a stored run's or new.

    A stored run's for --resume and --evaluate of a run directory; from the flags for a new run
    and for --evaluate of a TF 1.x program's checkpoint (which stores no config).
    """
    if args.resume and args.logdir:
        parser.error("--resume continues in RUN_DIR; do not pass --logdir with it")
    if args.evaluate and (args.resume or args.logdir):
        parser.error("--evaluate only reads RUN_DIR; do not combine it with --resume or --logdir")
    # A TF 1.x program's checkpoint has no stored config: the flags describe the program.
    tf1 = runs.tf1_checkpoint(args.evaluate) if args.evaluate else None
    if args.evaluate and not tf1 and not os.path.exists(os.path.join(args.evaluate, runs.CONFIG)):
        if not os.path.exists(args.evaluate):
            parser.error(f"--evaluate {args.evaluate}: no such run directory or checkpoint")
        parser.error(f"--evaluate {args.evaluate}: neither a tf1_rnn run directory (no {runs.CONFIG}) nor a "
                     "TF 1.x checkpoint (a prefix with its .index beside it, or a directory of them)")
    existing = None if tf1 else args.resume or args.evaluate
    try:
        if args.json:
            runs.check_output_path(args.json, "--json")
        flag = "--resume" if args.resume else "--evaluate"
        stored, settings = runs.load_config(existing, prog, config_cls, flag) if existing else (None, {})
    except runs.RunError as err:
        parser.error(str(err))
    cfg = configs.with_seed(_config_from_args(parser, config_cls, args, stored))
    # A resumed run reads the data it was started with, unless told otherwise.
    data_dir = os.path.abspath(args.data_dir or settings.get("data_dir") or datasets.default_data_dir(cfg.dataset))
    return cfg, {"data_dir": data_dir, "verify": settings.get("verify", True) and not args.no_verify}, tf1


def _check_batch_size(cfg, train, data_dir):
    if cfg.batch_size > train.num_examples:
        raise DataError(f"--batch-size {cfg.batch_size} is more than the {train.num_examples} training images "
                        f"in {data_dir}")


def _run(prog, cfg, settings, args, builder_name, tf1, command, resumed):
    """Evaluate, or train in ``resumed`` (a RunDir this process owns) or in a new run directory."""
    if not (args.evaluate or resumed):  # a run or a file in the way: found in a second, not after the data
        runs.check_new_run(args.logdir or os.path.join("logs", prog), explicit=bool(args.logdir))
    # Data before TensorFlow and before the run directory: a bad file costs a second, leaves nothing.
    data = datasets.read_data_sets(settings["data_dir"], one_hot=True, seed=cfg.seed, dataset=cfg.dataset,
                                   verify=settings["verify"], source_url=args.source_url, log=print)
    if not args.evaluate:
        _check_batch_size(cfg, data.train, settings["data_dir"])
    from tf1_rnn import compat
    compat.enable_tf1(args.verbose)  # TensorFlow loads here
    from tf1_rnn.training import loop
    from tf1_rnn.tutorials import models

    loop.check_test_subsets(cfg, data.test)

    def warn(line):
        print(f"{prog}: warning: {line}", file=sys.stderr)
    if args.evaluate:
        lstm = models.lstm_impl(cfg)  # decided once: every graph of this run asks it
        build_model = functools.partial(getattr(models, builder_name), lstm=lstm)
        if tf1:
            metrics = loop.evaluate_tf1_checkpoint(build_model, cfg, tf1, data, warn=warn)
        else:
            metrics = loop.evaluate_checkpoint(build_model, cfg, runs.RunDir(args.evaluate), data, warn=warn)
        if args.json:
            runs.write_json(args.json, dict(metrics, lstm_impl_ran=lstm.name))
        return
    run_dir = resumed or runs.RunDir.create(args.logdir or os.path.join("logs", prog), explicit=bool(args.logdir))
    try:
        try:  # after the cheap checks: building the compiled op takes seconds
            lstm = models.lstm_impl(cfg)
        except LSTMUnavailable:
            if not resumed:
                run_dir.discard()  # the new run directory, still empty: a refused run leaves nothing
            raise
        build_model = functools.partial(getattr(models, builder_name), lstm=lstm)
        loop.train(build_model, cfg, run_dir, data, script=prog, json_path=args.json, settings=settings,
                   warn=warn, facts={"lstm_impl_ran": lstm.name}, command=command)
    finally:
        run_dir.release()


def _claim_resumed(args):
    """The run ``--resume`` names, owned by this process before its config is read, so that a run in
    use is reported as such and not by its half-written state; None for anything else."""
    if args.resume and not args.logdir and os.path.exists(os.path.join(args.resume, runs.CONFIG)):
        return runs.RunDir.claim(args.resume, ownership.FOR_RESUME)
    return None


def _command(script, prog):
    """How the user started this tutorial, for the resume hint: ``python scripts/bilstm_mnist.py``
    as they typed it, or ``python -m tf1_rnn.tutorials bilstm_mnist``."""
    typed = sys.argv[0] if sys.argv and sys.argv[0].endswith(".py") else None
    if typed and os.path.exists(script) and os.path.samefile(typed, script):
        return f"python {typed}"
    return f"python -m tf1_rnn.tutorials {prog}"


def main(script, config_cls, builder_name, doc, argv=None):
    """Parse, then train (or evaluate) ``models.<builder_name>``; returns the exit status."""
    prog = os.path.splitext(os.path.basename(script))[0]
    parser = build_parser(config_cls, prog, doc)
    args = parser.parse_args(argv)
    resumed = None
    try:
        resumed = _claim_resumed(args)
        cfg, settings, tf1 = _resolve(parser, config_cls, args, prog)
        _run(prog, cfg, settings, args, builder_name, tf1, _command(script, prog), resumed)
    except (DataError, runs.RunError, LSTMUnavailable) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    except Interrupted as stop:
        print(stop.message, file=sys.stderr)
        stop.release()
        return stop.exit_status
    except KeyboardInterrupt:  # outside training (loading, final evaluation): nothing to save
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    finally:
        if resumed:
            resumed.release()
    return 0
