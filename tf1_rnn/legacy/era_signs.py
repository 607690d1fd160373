"""The facts :mod:`tf1_rnn.legacy.era` reads a program by: names only one era had, and what
changed between releases for names both had (from TensorFlow's RELEASE.md)."""
import dataclasses

STRONG, WEAK = True, False
# name -> (strong, the last 0.x release that had it); weak ones TF 1.x kept (deprecated)
OLD_NAMES = {
    "tensorflow.models.rnn": (STRONG, (0, 10)),
    **{f"tensorflow.{name}": (STRONG, (0, 12)) for name in """mul sub neg pack unpack select batch_matmul
        op_scope variable_op_scope scalar_summary histogram_summary image_summary audio_summary merge_summary
        merge_all_summaries train.SummaryWriter nn.rnn nn.bidirectional_rnn nn.state_saving_rnn nn.seq2seq
        nn.rnn_cell.linear python.ops.rnn.rnn python.ops.rnn.bidirectional_rnn inv listdiff complex_abs types
        models""".split()},
    **{f"tensorflow.{name}": (WEAK, None) for name in
       "initialize_all_variables initialize_local_variables initialize_variables all_variables".split()},
}
# name -> (strong, the first release that had it); weak ones 0.12 had already
NEW_NAMES = {
    **{f"tensorflow.contrib.rnn.{name}": (STRONG, (1, 0)) for name in """BasicLSTMCell LSTMCell GRUCell
        BasicRNNCell MultiRNNCell DropoutWrapper LSTMStateTuple RNNCell static_rnn static_bidirectional_rnn""".split()},
    "tensorflow.contrib.legacy_seq2seq": (STRONG, (1, 0)), "tensorflow.layers": (STRONG, (1, 0)),
    "tensorflow.estimator": (STRONG, (1, 1)), "tensorflow.nn.static_rnn": (STRONG, (1, 2)),
    "tensorflow.nn.static_bidirectional_rnn": (STRONG, (1, 2)), "tensorflow.data": (STRONG, (1, 4)),
    "tensorflow.keras": (STRONG, (1, 4)), "tensorflow.compat.v1": (STRONG, (1, 13)),
    **{f"tensorflow.{name}": (WEAK, (0, 12)) for name in """contrib.rnn summary global_variables_initializer
        global_variables local_variables_initializer variables_initializer multiply subtract negative stack
        unstack""".split()},
}
CROSS_ENTROPIES = {f"tensorflow.nn.{kind}_cross_entropy_with_logits"
                   for kind in ("softmax", "sparse_softmax", "sigmoid")}
PYTHON2_NAMES = {"xrange", "unicode", "basestring", "raw_input", "execfile", "long", "unichr", "reload"}
PYTHON2_MODULES = set("""cPickle cStringIO StringIO urllib2 urlparse ConfigParser Queue __builtin__ copy_reg
    httplib HTMLParser Tkinter commands cookielib""".split())
PYTHON2_METHODS = {"iteritems", "iterkeys", "itervalues", "has_key"}


@dataclasses.dataclass(frozen=True)
class Change:
    """A behaviour of names both eras have: ``steps`` is ((first release, value), ...), oldest first."""
    name: str
    steps: tuple
    note: str


CHANGES = {change.name: change for change in (
    Change("rnn_returns_all_states", ((None, True), ((0, 7), False)), "0.7: tf.nn.rnn returns the final state only"),
    Change("state_is_tuple_default", ((None, False), ((0, 11), True)),
           "0.11: LSTMCell, BasicLSTMCell and MultiRNNCell default to state_is_tuple=True"),
    Change("rnn_variable_names", ((None, "RNN/BasicLSTMCell/Linear/Matrix"),
                                  ((0, 12), "rnn/basic_lstm_cell/weights"), ((1, 2), "rnn/basic_lstm_cell/kernel")),
           "0.12: RNN -> rnn, Linear/Matrix -> weights; 1.2: weights/biases -> kernel/bias"),
    Change("checkpoint_format", ((None, "V1"), ((0, 12), "V2")), "0.12: tf.train.Saver writes V2 checkpoints"),
    Change("initializer", ((None, "uniform_unit_scaling"), ((1, 0), "glorot_uniform")),
           "1.0: get_variable's default initializer for floats"),
    Change("integer_division", ((None, "truncate"), ((1, 0), "floor")), "1.0: /, % and tf.div on integer tensors"),
    Change("round_half", ((None, "away_from_zero"), ((1, 0), "to_even")), "1.0: tf.round rounds half to even"),
    Change("decode_jpeg_dct_method", ((None, "INTEGER_ACCURATE"), ((1, 0), "")),
           "1.0: tf.image.decode_jpeg's default DCT is libjpeg's fastest"),
    Change("repeated_cell_in_multi_rnn_cell",
           ((None, "separate weights"), ((1, 1), "error"), ((1, 2), "shared weights")),
           "1.1: a cell used in two scopes is an error; 1.2: MultiRNNCell([cell] * n) shares one set of weights"),
)}
