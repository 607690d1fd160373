"""The reproduction's catalogue: every row it runs, with what each tutorial's author printed.

A row is a tutorial with flags beyond its defaults (a correction, another dataset), its seeds,
and, for the five tutorials, the TF 1.x program run beside it with the same seeds.
"""
from tf1_rnn.reproduce.rows import Author, Row
from tf1_rnn.tutorials import configs

ROWS = [
    Row("bilstm_mnist", configs.BiLSTMConfig, seeds=5, tf1="bilstm_mnist.py",
        author=Author("0.9849", 0.9849, points=((3124, 0.9849),))),
    Row("bilstm_mnist", configs.BiLSTMConfig, seeds=3, flags=("--readout", "ends"), corrected=True),
    # The author's last twelve evaluations are not in this repository, only their range and the last.
    Row("lstm_mnist", configs.LSTMConfig, seeds=5, tf1="lstm_mnist.py",
        author=Author("0.9703 at step 2000", 0.9703, points=((2000, 0.9703),), span=(1780, 2000, 0.9595, 0.9714))),
    Row("lstm_mnist", configs.LSTMConfig, seeds=3, flags=("--no-softmax-twice",), corrected=True),
    Row("lstm_mnist", configs.LSTMConfig, seeds=3, flags=("--dataset", "fashion_mnist")),
    Row("rnn_mnist", configs.RNNConfig, seeds=3, tf1="rnn_mnist.py", author=Author("none printed")),
    Row("birnn_mnist", configs.BiRNNConfig, seeds=5, tf1="birnn_mnist.py",
        author=Author("0.992 at step 1000", 0.992, points=((1000, 0.992),))),
    Row("dlstm_mnist", configs.DLSTMConfig, seeds=3, tf1="dlstm_mnist.py", author=Author("none survives")),
]
