"""Hyperparameters: one frozen dataclass per tutorial, defaults = the tutorial's.

Each field's ``help`` and ``check`` live in its metadata; the command line is generated from
the class (``learning_rate`` -> ``--learning-rate``), so a flag cannot drift from its config.
Constructing a config validates it, so ``dataclasses.replace(cfg, batch_size=0)`` fails too.

Class-level constants (not flags) describe the tutorial's protocol: ``TEST_SUBSET`` is the
test set the author reported on (``full``, ``head:N`` = the first N images, ``draw:N`` = one
``mnist.test.next_batch(N)``), ``LINE`` the periodic print (fields: step, samples, epochs,
loss, accuracy, test_loss, test_accuracy).
"""
import dataclasses
import json
import math
import re
import typing
from typing import ClassVar, Optional

import numpy as np

from tf1_rnn.data.provision import DATASETS
from tf1_rnn.lstm.impl import CHOICES as LSTM_CHOICES

SUBSET = re.compile(r"^(full|head:[1-9]\d*|draw:[1-9]\d*)$")


class ConfigError(ValueError):
    """A hyperparameter value that cannot work; the message names the flag."""


def positive(value):
    return None if value >= 1 else "must be at least 1"


def positive_finite(value):
    return None if math.isfinite(value) and value > 0 else "must be a finite number above 0"


def probability(value):
    return None if 0 < value <= 1 else "must be in (0, 1]"


def one_of(*choices):
    def check(value):
        return None if value in choices else f"must be one of {', '.join(choices)}"
    check.choices = choices  # the command line offers them
    return check


# TensorFlow keeps a graph-level seed modulo 2**31 - 1 (random_seed._truncate_seed): a larger seed
# would give another run's weights with another data order, and past 2**63 / 1009 the dropout
# seeds (lstm.cells.dropout_seed) overflow int64. Seeds drawn at random come from this range too.
SEEDS = 2 ** 31 - 1


def seed_range(value):
    return None if 0 <= value < SEEDS else f"must be in 0..{SEEDS - 1}"


def subset(value):
    return None if SUBSET.match(value) else "must be full, head:N or draw:N"


def hp(default, help, check=None, tutorial=True):
    """A config field: ``tutorial=False`` marks run settings that leave the model as published."""
    return dataclasses.field(default=default, metadata={"help": help, "check": check,
                                                         "tutorial": tutorial})


def with_seed(cfg):
    """``cfg`` with a concrete seed: a run records the seed it used, so it can be resumed."""
    if cfg.seed is not None:
        return cfg
    return dataclasses.replace(cfg, seed=int(np.random.SeedSequence().entropy % SEEDS))


def eval_every_field(default, help="steps between test-accuracy evaluations written to TensorBoard"):
    return hp(default, help, positive, tutorial=False)


def eval_subset_field(default):
    return hp(default, "test images those evaluations use: full, head:N (the first N) or draw:N "
              "(one next_batch(N), as TF1 tutorials did)", subset, tutorial=False)


def flag(name):
    return "--" + name.replace("_", "-")


def field_kind(field):
    """The type a field holds: ``int`` for ``Optional[int]``."""
    return typing.get_args(field.type)[0] if typing.get_origin(field.type) is typing.Union else field.type


def _shown(value):
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _holds(kind, value):
    """Whether a JSON ``value`` is a ``kind`` (a float may be written as an integer; a bool is no number)."""
    if isinstance(value, bool):
        return kind is bool
    return isinstance(value, (int, float) if kind is float else kind)


KIND_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Settings every tutorial shares. Subclasses add the tutorial's hyperparameters."""
    TEST_SUBSET: ClassVar[str] = "full"
    LINE: ClassVar[str] = "Step {step}, Minibatch Loss= {loss:.4f}, Training Accuracy= {accuracy:.3f}"

    dataset: str = hp("mnist", "dataset", one_of(*DATASETS), tutorial=False)
    seed: Optional[int] = hp(None, "seed for weights, data order and dropout (default: drawn "
                             "at random and recorded in the run directory)", seed_range, tutorial=False)
    eval_every: int = eval_every_field(50)
    eval_subset: str = eval_subset_field("head:1000")
    checkpoint_every: int = hp(500, "steps between checkpoints (a killed run loses at most this "
                               "many); the last 3 are kept", positive, tutorial=False)
    lstm_impl: str = hp("auto", "how LSTM cells run, all with BasicLSTMCell's function and variables "
                        "(checkpoints interchange): compiled = one C++ op per sequence, built for this CPU "
                        "on first use; fused = TensorFlow ops with a hand-written gradient; cell = the "
                        "tutorial's own graph, one cell call per time step; auto = compiled where it builds, "
                        "else fused. GRU and basic RNN cells always run as cells", one_of(*LSTM_CHOICES),
                        tutorial=False)

    def __post_init__(self):
        for field in dataclasses.fields(self):
            check, value = field.metadata.get("check"), getattr(self, field.name)
            problem = check(value) if check and value is not None else None
            if problem:
                raise ConfigError(f"{flag(field.name)} {problem}, got {value}")
        self.check()

    def check(self):
        """Cross-field checks; subclasses extend."""

    @classmethod
    def from_stored(cls, values):
        """The config a run stored (config.json's ``config``): every field there, each of its type;
        ConfigError names the first field that is not."""
        if not isinstance(values, dict):
            raise ConfigError(f"config must be an object, got {_shown(values)}")
        fields = {field.name: field for field in dataclasses.fields(cls)}
        unknown = sorted(values.keys() - fields.keys())
        if unknown:
            raise ConfigError(f"config.{unknown[0]} is no setting of this version")
        for name, field in fields.items():
            kind = field_kind(field)
            if name not in values:
                raise ConfigError(f"config.{name} is missing")
            if not _holds(kind, values[name]):  # null included: a stored run has every value, its seed too
                raise ConfigError(f"config.{name} must be {KIND_NAMES[kind]}, got {_shown(values[name])}")
        return cls(**{name: float(v) if field_kind(fields[name]) is float else v for name, v in values.items()})

    @property
    def num_steps(self) -> int:
        raise NotImplementedError


class _SampleBudget:
    """TF1's ``while step * batch_size < training_iters`` loop with step starting at 1."""

    def check(self):
        super().check()
        if self.max_samples <= self.batch_size:
            raise ConfigError(f"--max-samples must exceed one batch ({self.batch_size}) to train "
                              f"at least one step, got {self.max_samples}")

    @property
    def num_steps(self):
        return (self.max_samples - 1) // self.batch_size


@dataclasses.dataclass(frozen=True)
class BiLSTMConfig(_SampleBudget, RunConfig):
    """Bidirectional LSTM; the tutorial printed Testing Accuracy: 0.9849."""
    LINE: ClassVar[str] = ("Iter{samples},Minibatch Loss = {loss:.6f}, "
                           "Training Accuracy = {accuracy:.5f}")

    learning_rate: float = hp(0.01, "Adam learning rate", positive_finite)
    max_samples: int = hp(400_000, "train while step * batch_size < max_samples", positive)
    batch_size: int = hp(128, "examples per training step", positive)
    n_hidden: int = hp(256, "LSTM units per direction", positive)
    display_step: int = hp(10, "steps between printed lines (and train summaries)", positive)
    readout: str = hp("last", "what the classifier reads: last = outputs[-1] as the tutorial "
                      "(the backward LSTM has then seen one row); ends = each direction's "
                      "final output (corrected)", one_of("last", "ends"))


class _StepBudget:
    """A fixed number of training steps (``for i in range(training_steps)``)."""

    @property
    def num_steps(self):
        return self.training_steps


@dataclasses.dataclass(frozen=True)
class LSTMConfig(_StepBudget, RunConfig):
    """LSTM with TensorBoard (dynamic_rnn); the author printed test accuracy 0.9703 at step 2000."""
    # The tutorial's "Iter" is mnist.train.epochs_completed.
    LINE: ClassVar[str] = ("Iter{epochs}, step {step}, training accuracy {accuracy:.4f}, "
                           "test accuracy {test_accuracy:.4f}")

    learning_rate: float = hp(0.001, "Adam learning rate", positive_finite)
    training_steps: int = hp(2000, "training steps", positive)
    batch_size: int = hp(128, "examples per training step", positive)
    n_hidden: int = hp(256, "units per RNN layer", positive)
    layers: int = hp(1, "stacked RNN layers (MultiRNNCell when above 1)", positive)
    cell: str = hp("lstm", "cell type: lstm (BasicLSTMCell), gru (GRUCell), rnn (BasicRNNCell)",
                   one_of("lstm", "gru", "rnn"))
    keep_prob: float = hp(0.5, "keep probability of the dropout on each layer's output while "
                          "training (1.0 when testing)", probability)
    display_step: int = hp(20, "steps between printed lines (and summaries)", positive)
    softmax_twice: bool = hp(True, "feed softmax(h W + b) to softmax_cross_entropy_with_logits, as the "
                             "tutorial did (a double softmax); --no-softmax-twice feeds the logits")
    eval_every: int = eval_every_field(20, "steps between test-set evaluations, as the tutorial printed them")
    eval_subset: str = eval_subset_field("full")


@dataclasses.dataclass(frozen=True)
class RNNConfig(_StepBudget, RunConfig):
    """Plain LSTM with static_rnn and gradient descent; the author printed no final number."""
    TEST_SUBSET: ClassVar[str] = "head:6000"

    learning_rate: float = hp(0.001, "gradient-descent learning rate", positive_finite)
    training_steps: int = hp(20000, "training steps", positive)
    batch_size: int = hp(128, "examples per training step", positive)
    n_hidden: int = hp(128, "LSTM units", positive)
    display_step: int = hp(100, "steps between printed lines (and train summaries)", positive)
    eval_every: int = eval_every_field(500)
    eval_subset: str = eval_subset_field("head:6000")


@dataclasses.dataclass(frozen=True)
class BiRNNConfig(_StepBudget, RunConfig):
    """BiRNN reading the middle time step; the author printed 0.992 on a fixed 1000-image test batch."""
    TEST_SUBSET: ClassVar[str] = "draw:1000"
    LINE: ClassVar[str] = "step {step}, loss {test_loss:.4f}, accuracy {test_accuracy:.4f}"

    learning_rate: float = hp(0.002, "Adam learning rate", positive_finite)
    training_steps: int = hp(1001, "training steps (the tutorial's range(1001))", positive)
    batch_size: int = hp(1000, "examples per training step", positive)
    n_hidden: int = hp(128, "LSTM units per direction", positive)
    display_step: int = hp(10, "steps between printed lines on the fixed test batch", positive)
    eval_every: int = eval_every_field(10, "steps between evaluations of the fixed test batch")
    eval_subset: str = eval_subset_field("draw:1000")


@dataclasses.dataclass(frozen=True)
class DLSTMConfig(_SampleBudget, RunConfig):
    """"DLSTM": input projection, then a BiLSTM from explicit initial states (TF 0.6 era)."""
    TEST_SUBSET: ClassVar[str] = "head:128"
    LINE: ClassVar[str] = ("Iter {samples}, Minibatch Loss= {loss:.6f}, "
                           "Training Accuracy= {accuracy:.5f}")

    learning_rate: float = hp(0.001, "Adam learning rate", positive_finite)
    max_samples: int = hp(100_000, "train while step * batch_size < max_samples", positive)
    batch_size: int = hp(128, "examples per training step", positive)
    n_hidden: int = hp(128, "LSTM units per direction (the input projection has 2 * n_hidden)", positive)
    display_step: int = hp(10, "steps between printed lines (and train summaries)", positive)
    eval_every: int = eval_every_field(10)
    eval_subset: str = eval_subset_field("head:128")
