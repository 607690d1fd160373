"""The LSTM, three ways, one function: BasicLSTMCell's, with its variables and names.

``cells``: the tutorials' legacy cells by name (``cell``: one cell call per time step).
``fused``: the whole sequence as TensorFlow ops with a hand-written gradient.
``compiled``: the same as a C++ TensorFlow op built for this CPU on first use.
``impl.choose`` decides once per model which of them runs; ``rnn`` gives the tutorials' RNN
calls (static_rnn, static_bidirectional_rnn, dynamic_rnn with dropout) on the chosen one.
"""
