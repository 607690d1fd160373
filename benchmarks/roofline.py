"""The step benchmark's roofline: a training step's matmul FLOPs at numpy's matmul speed.

A recurrent step multiplies ``[x_t, h]`` [batch, input + H] by the weights [input + H, blocks * H]:
4 blocks for an LSTM (input, candidate, forget, output), 3 for a GRU (reset and update gates
[input + H, 2H], the candidate [input + H, H]). A training step is 3x the forward matmuls (the
forward pass, and the input and weight gradients of the backward pass).
"""
import time

import numpy as np

from benchmarks.workers import N_CLASSES, N_INPUT, N_STEPS

GATE_BLOCKS = {"lstm": 4, "gru": 3}


def flops(work):
    """Multiply-adds x 2 of one training step of ``work`` (a ``workers.Workload``)."""
    per_step = 2 * work.batch * (work.rnn_input + work.hidden) * GATE_BLOCKS[work.cell] * work.hidden
    recurrent = 3 * per_step * (work.fw_steps + work.bw_steps)
    features = work.hidden * (2 if work.bw_steps else 1)
    head = 3 * 2 * work.batch * features * N_CLASSES
    projection = 3 * 2 * work.batch * N_STEPS * N_INPUT * work.projection
    return recurrent + head + projection


def matmul_shape(work):
    """(m, k, n) of the recurrent step's matmul, [batch, input + H] x [input + H, blocks * H]."""
    return work.batch, work.rnn_input + work.hidden, GATE_BLOCKS[work.cell] * work.hidden


def matmul_gflops(m, k, n, seconds=0.5):
    """numpy's float32 matmul throughput at [m, k] x [k, n], best of repeated timings."""
    rng = np.random.default_rng(0)
    a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
    best, deadline = float("inf"), time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(10):
            a @ b
        best = min(best, (time.perf_counter() - start) / 10)
    return 2 * m * k * n / best / 1e9
