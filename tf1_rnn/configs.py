"""Hyperparameters: one frozen dataclass per tutorial, defaults = the tutorial's.

Each field's ``help`` and ``check`` live in its metadata; the command line is generated from
the class (``learning_rate`` -> ``--learning-rate``), so a flag cannot drift from its config.
Constructing a config validates it, so ``dataclasses.replace(cfg, batch_size=0)`` fails too.

Class-level constants (not flags) describe the tutorial's protocol: ``TEST_SUBSET`` is the
test set the author reported on (``full``, ``head:N`` = the first N images, ``draw:N`` = one
``mnist.test.next_batch(N)``), ``LINE`` the periodic print.
"""
import dataclasses
import math
import re
from typing import ClassVar, Optional

import numpy as np

from tf1_rnn.provision import DATASETS

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
    return dataclasses.replace(cfg, seed=int(np.random.SeedSequence().entropy % 2 ** 31))


def flag(name):
    return "--" + name.replace("_", "-")


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Settings every tutorial shares. Subclasses add the tutorial's hyperparameters."""
    TEST_SUBSET: ClassVar[str] = "full"
    LINE: ClassVar[str] = "Step {step}, Minibatch Loss= {loss:.4f}, Training Accuracy= {accuracy:.3f}"

    dataset: str = hp("mnist", "dataset", one_of(*DATASETS), tutorial=False)
    seed: Optional[int] = hp(None, "seed for weights, data order and dropout (default: drawn "
                             "at random and recorded in the run directory)", tutorial=False)
    eval_every: int = hp(50, "steps between test-accuracy evaluations written to TensorBoard",
                         positive, tutorial=False)
    eval_subset: str = hp("head:1000", "test images those evaluations use: full, head:N "
                          "(the first N) or draw:N (one next_batch(N), as TF1 tutorials did)",
                          subset, tutorial=False)
    checkpoint_every: int = hp(500, "steps between checkpoints (a killed run loses at most this "
                               "many); the last 3 are kept", positive, tutorial=False)

    def __post_init__(self):
        for field in dataclasses.fields(self):
            check, value = field.metadata.get("check"), getattr(self, field.name)
            problem = check(value) if check and value is not None else None
            if problem:
                raise ConfigError(f"{flag(field.name)} {problem}, got {value}")
        self.check()

    def check(self):
        """Cross-field checks; subclasses extend."""

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
