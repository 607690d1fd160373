"""What a run printed: its test curve and final accuracy, read back from its log.

The TF 1.x programs under the runner leave nothing but their prints, so their numbers come
from here; a ported script's log is read the same way when its run directory (TensorBoard
events) is gone. The formats are the tutorials' own lines:

    Iter1280,Minibatch Loss = 2.485254, Training Accuracy = 0.25000          bilstm (samples)
    Iter 1280, Minibatch Loss= 3.847802, Training Accuracy= 0.38281          dlstm (samples)
    Step 100, Minibatch Loss= 2.1763, Training Accuracy= 0.320               rnn
    Iter0, step 20, training accuracy 0.367188, test accuracy 0.3288         lstm (test every 20)
    step 10, loss 0.8619, accuracy 0.7300                                    birnn (fixed test batch)
    Testing Accuracy: 0.9864                       (port: "Testing Accuracy: 0.9830  (draw:1000 ...)")
    Full test set (10000 images): 0.9843                                     port, subset tutorials
    exit status 0 after 357 s                      appended by reproduce.py after the program ends

Steps are the steps each program printed (``Iter`` samples divided by the batch size); the
final accuracy is the ``Testing Accuracy`` line, or where a program prints none (lstm) its
last test point. A resumed run repeats the steps between its checkpoint and the stop; the
later lines count.
"""
import re
from typing import NamedTuple, Optional

NUMBER = r"(-?[\d.]+(?:e[-+]?\d+)?|nan|inf)"
TRAIN_SAMPLES = re.compile(r"^Iter ?(\d+), ?Minibatch Loss ?= ?" + NUMBER + r", Training Accuracy ?= ?" + NUMBER)
TRAIN_STEPS = re.compile(r"^Step (\d+), Minibatch Loss= ?" + NUMBER + r", Training Accuracy= ?" + NUMBER)
TRAIN_AND_TEST = re.compile(r"^Iter\d+, step (\d+), training accuracy " + NUMBER + r", test accuracy " + NUMBER)
TEST_BATCH = re.compile(r"^step (\d+), loss " + NUMBER + r", accuracy " + NUMBER)
FINAL = re.compile(r"^Testing Accuracy:? " + NUMBER)
FULL = re.compile(r"^Full test set \((\d+) images\): " + NUMBER)
EXIT = re.compile(r"^exit status (-?\d+) after ([\d.]+) s$")


class PrintedRun(NamedTuple):
    test_curve: list                      # [(step, accuracy)] as printed during training
    train_curve: list                     # [(step, training-batch accuracy)]
    final_accuracy: Optional[float]       # on the tutorial's test subset
    full_accuracy: Optional[float]        # on the whole test set, where printed beside it
    exit_status: Optional[int]            # from reproduce.py's closing line; None if absent
    wall_seconds: Optional[float]

    @property
    def complete(self):
        return self.exit_status == 0 and self.final_accuracy is not None


def parse(text, batch_size=128):
    """A :class:`PrintedRun` from a log's text; ``batch_size`` turns ``Iter<samples>`` into steps."""
    test, train = [], []
    final = full = status = wall = None
    for line in text.splitlines():
        line = line.strip()
        if match := TRAIN_AND_TEST.match(line):
            step = int(match.group(1))
            train.append((step, float(match.group(2))))
            test.append((step, float(match.group(3))))
        elif match := TEST_BATCH.match(line):
            test.append((int(match.group(1)), float(match.group(3))))
        elif match := TRAIN_SAMPLES.match(line):
            train.append((int(match.group(1)) // batch_size, float(match.group(3))))
        elif match := TRAIN_STEPS.match(line):
            train.append((int(match.group(1)), float(match.group(3))))
        elif match := FINAL.match(line):
            final = float(match.group(1))
        elif match := FULL.match(line):
            full = float(match.group(2))
        elif match := EXIT.match(line):
            status, wall = int(match.group(1)), float(match.group(2))
    test, train = _latest(test), _latest(train)
    if final is None and test:
        final = test[-1][1]
    return PrintedRun(test, train, final, full, status, wall)


def _latest(points):
    """Points by step, a step printed again (by a resumed run, after its checkpoint) counting once, last."""
    return sorted(dict(points).items())


def read(path, batch_size=128):
    with open(path, errors="replace") as f:
        return parse(f.read(), batch_size)
