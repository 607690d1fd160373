"""The LSTM as a C++ TensorFlow op: its source (``lstm_sequence.cc``), its build and cache
(``build``), and its Python face (``ops``). ``python -m tf1_rnn.lstm.compiled`` builds it ahead of time."""
