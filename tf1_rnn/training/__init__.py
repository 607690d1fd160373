"""The one training loop and what it owns: run directories, checkpoints, summaries, interrupts.

``loop.train`` builds the graph, trains, evaluates and returns the run's metrics; ``evaluation``
scores a test subset; ``checkpoints`` finds the newest checkpoint that restores; ``runs`` lays out
run directories; ``summaries`` writes TensorBoard's scalars and HParams; ``interrupts`` turns
SIGINT/SIGTERM into "stop after this step".
"""
