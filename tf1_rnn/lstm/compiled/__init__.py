"""The LSTM and the GRU as C++ TensorFlow ops: their sources (``lstm_sequence.cc``, ``gru_sequence.cc``),
their one library's build and cache (``build``, ``cache``, ``cxx``), and their Python faces (``ops``,
``gru_ops``). ``python -m tf1_rnn.lstm.compiled`` builds the library ahead of time."""
