"""The training loop on synthetic data: learning, TensorBoard output, checkpoints, divergence."""
import glob
import json
import os

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tf1_rnn.tutorials import configs
from tf1_rnn.data import datasets
from tf1_rnn.tutorials import models
from tf1_rnn.training import runs
from tf1_rnn.training import loop as train
from tf1_rnn.compat import tf

CFG = configs.BiLSTMConfig(n_hidden=8, batch_size=32, max_samples=32 * 40 + 1, display_step=5,
                           eval_every=10, eval_subset="head:100", checkpoint_every=10, seed=3,
                           learning_rate=0.01)


def synthetic(data_dir):
    return datasets.read_data_sets(data_dir, one_hot=True, seed=CFG.seed, verify=False)


@pytest.fixture
def trained(tmp_path_factory, synthetic_dir):
    run_dir = runs.RunDir.create(str(tmp_path_factory.mktemp("logs") / "run"), explicit=True)
    lines = []
    metrics = train.train(models.build_bilstm, CFG, run_dir, synthetic(synthetic_dir), script="bilstm_mnist",
                          log=lines.append)
    return run_dir, metrics, lines


def scalars(event_dir, tag):
    accumulator = EventAccumulator(event_dir)
    accumulator.Reload()
    return [(e.step, e.value) for e in accumulator.Scalars(tag)]


def test_training_lowers_the_loss_and_reports_metrics(trained):
    run_dir, metrics, lines = trained
    losses = [value for _, value in scalars(run_dir.join("train"), "loss")]
    assert len(losses) == 8 and losses[-1] < 0.5 * losses[0]
    assert metrics["steps"] == 40 and metrics["test_accuracy"] > 0.5
    assert lines[-1] == f"Testing Accuracy: {metrics['test_accuracy']:.4f}"
    assert lines[1].startswith("Iter160,Minibatch Loss = ")
    assert json.load(open(run_dir.join("metrics.json")))["test_accuracy"] == metrics["test_accuracy"]


def test_tensorboard_gets_accuracy_and_loss_for_train_and_test(trained):
    run_dir, metrics, _ = trained
    for split, every in (("train", 5), ("test", 10)):
        for tag in ("accuracy", "loss"):
            steps = [step for step, _ in scalars(run_dir.join(split), tag)]
            assert steps == list(range(every, 41, every)), (split, tag)
    # The last test point is the final evaluation (the full test set), not the head:100 of the others.
    assert scalars(run_dir.join("test"), "loss")[-1] == (40, np.float32(metrics["full_test_loss"]))
    accumulator = EventAccumulator(run_dir.join("train"))
    accumulator.Reload()
    assert accumulator.Graph() is not None


def test_checkpoints_keep_the_last_three_with_their_state(trained):
    run_dir, _, _ = trained
    assert run_dir.latest_step() == 40
    states = sorted(os.path.basename(p) for p in glob.glob(run_dir.join("checkpoints", "state-*.npz")))
    assert states == ["state-20.npz", "state-30.npz", "state-40.npz"]
    assert len(glob.glob(run_dir.join("checkpoints", "model.ckpt-*.index"))) == 3


def test_a_second_train_in_one_process_does_not_collide(trained, tmp_path, synthetic_dir):
    run_dir, first, _ = trained
    again = train.train(models.build_bilstm, CFG, runs.RunDir.create(str(tmp_path / "again"), explicit=True),
                        synthetic(synthetic_dir), script="bilstm_mnist", log=lambda line: None)
    assert again["test_accuracy"] == first["test_accuracy"]  # same seed, same machine: same run
    assert again["full_test_loss"] == first["full_test_loss"]


def diverging_bilstm(cfg, training=True):
    graph = models.build_bilstm(cfg, training)
    step = tf.cast(graph.global_step, tf.float32)
    return graph._replace(loss=graph.loss * tf.where(step >= 12, np.nan, 1.0))


def test_nan_loss_stops_with_the_step_and_keeps_the_last_good_checkpoint(tmp_path, synthetic_dir):
    run_dir = runs.RunDir.create(str(tmp_path / "run"), explicit=True)
    with pytest.raises(train.Diverged, match=r"loss became nan at step 1[23]; the last good checkpoint "
                                             r"\(step 10\) is kept"):
        train.train(diverging_bilstm, CFG, run_dir, synthetic(synthetic_dir), script="bilstm_mnist",
                    log=lambda line: None)
    assert run_dir.latest_step() == 10


def test_full_disk_while_writing_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    runs.write_json(str(target), {"good": 1})

    def no_space(fd, *args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(runs.RunError, match="no space left on device while writing .*metrics.json"):
        runs.write_json(str(target), {"good": 2})
    assert json.loads(target.read_text()) == {"good": 1}
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_evaluation_uses_a_twin_graph_only_where_testing_feeds_differ(tmp_path):
    lstm = configs.LSTMConfig(n_hidden=8, layers=2, seed=1)
    with tf.Graph().as_default():
        models.build_lstm(lstm)
        alone = sorted(v.op.name for v in tf.global_variables())
    session = train.TrainingSession(models.build_lstm, lstm, runs.RunDir(str(tmp_path)))
    try:
        model, infer = session.model, session.infer
        assert infer is not model and infer.train_op is None
        with session.graph.as_default():
            assert sorted(v.op.name for v in tf.global_variables()) == alone  # the twin shares the weights
        images, labels = np.random.default_rng(0).random((5, 784), np.float32), np.eye(10, dtype=np.float32)[:5]
        np.testing.assert_array_equal(session.sess.run(infer.logits, infer.feed(images, labels, training=False)),
                                      session.sess.run(model.logits, model.feed(images, labels, training=False)))
    finally:
        session.close()
    with tf.Graph().as_default():
        rnn = models.build_rnn(configs.RNNConfig(n_hidden=8, seed=1))
        assert train.inference_model(models.build_rnn, None, rnn) is rnn  # no dropout: the training graph
