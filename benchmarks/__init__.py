"""Speed measurements, run as modules from the repository root (not part of the installed package).

    python -m benchmarks.step          training-step time: tf1_rnn's LSTMs vs plain TF1, Keras 3, PyTorch
    python -m benchmarks.step_matmul   the recurrence's per-step matmul shapes on this machine's TensorFlow
    python -m benchmarks.corpus        third-party TF 0.x/1.x programs under the runner

``graphs`` builds the TensorFlow systems the step benchmark times; ``workers`` runs the Keras 3
and PyTorch ones in processes of their own. Results and their commands: docs/speed.md.
"""
