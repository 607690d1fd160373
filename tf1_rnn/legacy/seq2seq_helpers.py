"""tf.contrib.seq2seq's helpers (TF 1.15): how a BasicDecoder chooses each step's sample and next input.

Helper is the interface and CustomHelper builds one from three functions. TrainingHelper feeds the
given inputs (teacher forcing); ScheduledEmbeddingTrainingHelper and ScheduledOutputTrainingHelper
replace some of them, per batch entry and step, by the embedded sample or by the output itself
(scheduled sampling, Bengio et al., 2015). GreedyEmbeddingHelper and SampleEmbeddingHelper feed back
the argmax or a sample through an embedding until ``end_token``; InferenceHelper takes the caller's
sample and end functions. All of them run inside dynamic_decode's single while loop: inputs are
read from TensorArrays by the step number.

Differences from TF 1.x: the scheduled helpers pick each entry's next input with ``tf.where`` over
the whole batch (TF 1.x gathered and scattered the sampled rows; the inputs are the same), and draws
come from ``tf.random.categorical`` and ``tf.random_uniform`` rather than tf.contrib.distributions, so
a seeded program does not draw TF 1.x's exact numbers. A vector ``sampling_probability`` is one
probability per batch entry.
"""
import abc

from tf1_rnn.compat import tf as v1

nest = v1.nest


def transpose_batch_time(x):
    """[batch, time, ...] <-> [time, batch, ...]; tensors of rank < 2 are returned as they are."""
    x = v1.convert_to_tensor(x)
    if x.shape.rank is not None and x.shape.rank < 2:
        return x
    return v1.transpose(x, [1, 0] + list(range(2, x.shape.rank)))


def embedding_fn(embedding):
    """``embedding`` as a function of ids: a callable is used as is, anything else is looked up in."""
    if callable(embedding):
        return embedding
    return lambda ids: v1.nn.embedding_lookup(embedding, ids)


def _unstack_ta(x):
    """A TensorArray of ``x``'s rows along its first (time) axis."""
    return v1.TensorArray(x.dtype, size=v1.shape(x)[0], element_shape=x.shape[1:]).unstack(x)


def _int32_tokens(owner, start_tokens, end_token):
    start_tokens = v1.convert_to_tensor(start_tokens, v1.int32, name="start_tokens")
    end_token = v1.convert_to_tensor(end_token, v1.int32, name="end_token")
    if start_tokens.shape.rank != 1:
        raise ValueError(f"{owner}: start_tokens must be a vector [batch_size], got shape {start_tokens.shape}")
    if end_token.shape.rank != 0:
        raise ValueError(f"{owner}: end_token must be a scalar, got shape {end_token.shape}")
    return start_tokens, end_token


def _sampling_probability(owner, probability):
    probability = v1.convert_to_tensor(probability, v1.float32, name="sampling_probability")
    if probability.shape.rank not in (0, 1):
        raise ValueError(f"{owner}: sampling_probability must be a scalar or a vector [batch_size], "
                         f"got shape {probability.shape}")
    return probability


def _categorical(logits, seed):
    """One id per row of ``logits`` [batch, classes] -> [batch] int32."""
    return v1.reshape(v1.random.categorical(logits, 1, dtype=v1.int32, seed=seed), [-1])


class Helper(metaclass=abc.ABCMeta):
    """What a BasicDecoder asks at each step: a sample, whether each entry is done, the next input."""

    @property
    @abc.abstractmethod
    def batch_size(self):
        """Scalar int32 tensor: the batch size of the samples."""

    @property
    @abc.abstractmethod
    def sample_ids_shape(self):
        """TensorShape of one entry's sample (``[]`` for a token id)."""

    @property
    @abc.abstractmethod
    def sample_ids_dtype(self):
        """dtype of the samples."""

    @abc.abstractmethod
    def initialize(self, name=None):
        """Returns ``(initial_finished, initial_inputs)``."""

    @abc.abstractmethod
    def sample(self, time, outputs, state, name=None):
        """Returns ``sample_ids``."""

    @abc.abstractmethod
    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        """Returns ``(finished, next_inputs, next_state)``."""


class _AttributeHelper(Helper):
    """A Helper whose properties read attributes its constructor sets (by default one int32 id per entry)."""
    _sample_ids_shape, _sample_ids_dtype = (), "int32"

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def sample_ids_shape(self):
        return v1.TensorShape(self._sample_ids_shape)

    @property
    def sample_ids_dtype(self):
        return v1.as_dtype(self._sample_ids_dtype)


class CustomHelper(_AttributeHelper):
    """A Helper from ``initialize_fn()``, ``sample_fn(time, outputs, state)`` and
    ``next_inputs_fn(time, outputs, state, sample_ids)``; the batch size is that of the first ``finished``."""

    def __init__(self, initialize_fn, sample_fn, next_inputs_fn, sample_ids_shape=None, sample_ids_dtype=None):
        self._initialize_fn, self._sample_fn, self._next_inputs_fn = initialize_fn, sample_fn, next_inputs_fn
        self._sample_ids_shape, self._sample_ids_dtype = sample_ids_shape or [], sample_ids_dtype or v1.int32
        self._batch_size = None

    @property
    def batch_size(self):
        if self._batch_size is None:
            raise ValueError("CustomHelper: batch_size was read before initialize() was called")
        return self._batch_size

    def initialize(self, name=None):
        with v1.name_scope(name, "CustomHelperInitialize"):
            finished, next_inputs = self._initialize_fn()
            if self._batch_size is None:
                self._batch_size = v1.size(finished)
        return finished, next_inputs

    def sample(self, time, outputs, state, name=None):
        with v1.name_scope(name, "CustomHelperSample", [time, outputs]):
            return self._sample_fn(time=time, outputs=outputs, state=state)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        with v1.name_scope(name, "CustomHelperNextInputs", [time, outputs]):
            return self._next_inputs_fn(time=time, outputs=outputs, state=state, sample_ids=sample_ids)


class TrainingHelper(_AttributeHelper):
    """Teacher forcing: step t reads ``inputs[:, t]``; entry b is finished after ``sequence_length[b]``
    steps. ``sample_id`` is the argmax of the outputs."""

    def __init__(self, inputs, sequence_length, time_major=False, name=None):
        with v1.name_scope(name, "TrainingHelper", nest.flatten(inputs) + [sequence_length]):
            inputs = nest.map_structure(lambda x: v1.convert_to_tensor(x, name="inputs"), inputs)
            if not time_major:
                inputs = nest.map_structure(transpose_batch_time, inputs)  # [time, batch, ...]
            self._inputs = inputs  # whole, for the runner's kernel (legacy/accelerate_decode.py)
            self._input_tas = nest.map_structure(_unstack_ta, inputs)
            self._sequence_length = v1.convert_to_tensor(sequence_length, name="sequence_length")
            if self._sequence_length.shape.rank != 1:
                raise ValueError(f"{type(self).__name__}: sequence_length must be a vector [batch_size], "
                                 f"got shape {self._sequence_length.shape}")
            self._zero_inputs = nest.map_structure(lambda x: v1.zeros_like(x[0]), inputs)
            self._batch_size = v1.size(self._sequence_length)

    def _read_inputs(self, time, finished):
        """The inputs of step ``time``, or zeros once every entry is finished (``time`` may be past the end)."""
        return v1.cond(v1.reduce_all(finished), lambda: self._zero_inputs,
                       lambda: nest.map_structure(lambda ta: ta.read(time), self._input_tas))

    def initialize(self, name=None):
        with v1.name_scope(name, "TrainingHelperInitialize"):
            finished = v1.equal(0, self._sequence_length)
            return finished, self._read_inputs(0, finished)

    def sample(self, time, outputs, state=None, name=None):
        with v1.name_scope(name, "TrainingHelperSample", [time, outputs]):
            return v1.argmax(outputs, axis=-1, output_type=v1.int32)

    def next_inputs(self, time, outputs, state, sample_ids=None, name=None):
        with v1.name_scope(name, "TrainingHelperNextInputs", [time, outputs]):
            finished = time + 1 >= self._sequence_length
            return finished, self._read_inputs(time + 1, finished), state


class ScheduledEmbeddingTrainingHelper(TrainingHelper):
    """TrainingHelper that, with ``sampling_probability`` per entry and step, feeds the embedding of an id
    sampled from the output logits instead of the given input. ``sample_id`` is -1 where it did not sample."""

    def __init__(self, inputs, sequence_length, embedding, sampling_probability, time_major=False, seed=None,
                 scheduling_seed=None, name=None):
        with v1.name_scope(name, "ScheduledEmbeddingSamplingWrapper", [sampling_probability]):
            self._embedding_fn = embedding_fn(embedding)
            self._sampling_probability = _sampling_probability(type(self).__name__, sampling_probability)
            self._seed, self._scheduling_seed = seed, scheduling_seed
            super().__init__(inputs, sequence_length, time_major=time_major, name=name)

    def sample(self, time, outputs, state=None, name=None):
        with v1.name_scope(name, "ScheduledEmbeddingTrainingHelperSample", [time, outputs]):
            chosen = v1.random_uniform([self.batch_size], seed=self._scheduling_seed) < self._sampling_probability
            return v1.where(chosen, _categorical(outputs, self._seed), v1.fill([self.batch_size], -1))

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        with v1.name_scope(name, "ScheduledEmbeddingTrainingHelperNextInputs", [time, outputs, sample_ids]):
            finished, given, state = super().next_inputs(time, outputs, state, sample_ids)
            sampled = sample_ids > -1

            def mix():
                embedded = self._embedding_fn(v1.maximum(sample_ids, 0))  # -1 rows are embedded, then dropped
                return nest.map_structure(lambda e, g: v1.where(sampled, e, g), embedded, given)

            next_inputs = v1.cond(v1.reduce_all(finished), lambda: given, mix)
            return finished, next_inputs, state


class ScheduledOutputTrainingHelper(TrainingHelper):
    """TrainingHelper that, with ``sampling_probability`` per entry and step, feeds the output itself
    (through ``next_inputs_fn`` if given, then joined to ``auxiliary_inputs`` if given) instead of the
    given input. ``sample_id`` is True where it did."""

    def __init__(self, inputs, sequence_length, sampling_probability, time_major=False, seed=None,
                 next_inputs_fn=None, auxiliary_inputs=None, name=None):
        with v1.name_scope(name, "ScheduledOutputTrainingHelper", [sampling_probability]):
            self._sampling_probability = _sampling_probability(type(self).__name__, sampling_probability)
            self._auxiliary_input_tas = None
            if auxiliary_inputs is not None:
                inputs = nest.map_structure(lambda x, a: v1.concat([x, a], -1), inputs, auxiliary_inputs)
                if not time_major:
                    auxiliary_inputs = nest.map_structure(transpose_batch_time, auxiliary_inputs)
                self._auxiliary_input_tas = nest.map_structure(
                    lambda a: _unstack_ta(v1.convert_to_tensor(a)), auxiliary_inputs)
            self._seed, self._next_inputs_fn = seed, next_inputs_fn
            super().__init__(inputs, sequence_length, time_major=time_major, name=name)

    _sample_ids_dtype = "bool"

    def sample(self, time, outputs, state=None, name=None):
        with v1.name_scope(name, "ScheduledOutputTrainingHelperSample", [time, outputs]):
            return v1.random_uniform([self.batch_size], seed=self._seed) < self._sampling_probability

    def _fed_back(self, time, outputs):
        fed = outputs if self._next_inputs_fn is None else self._next_inputs_fn(outputs)
        if self._auxiliary_input_tas is None:
            return fed
        auxiliary = nest.map_structure(lambda ta: ta.read(time + 1), self._auxiliary_input_tas)
        return nest.map_structure(lambda f, a: v1.concat([f, a], -1), fed, auxiliary)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        with v1.name_scope(name, "ScheduledOutputTrainingHelperNextInputs", [time, outputs, sample_ids]):
            finished, given, state = super().next_inputs(time, outputs, state, sample_ids)

            def mix():
                return nest.map_structure(lambda f, g: v1.where(sample_ids, f, g), self._fed_back(time, outputs), given)

            keep_given = v1.logical_or(v1.reduce_all(finished), v1.logical_not(v1.reduce_any(sample_ids)))
            return finished, v1.cond(keep_given, lambda: given, mix), state


class GreedyEmbeddingHelper(_AttributeHelper):
    """Inference: feed back the embedding of the argmax of the outputs, starting from ``start_tokens``;
    an entry is finished when it emits ``end_token``."""

    def __init__(self, embedding, start_tokens, end_token):
        self._embedding_fn = embedding_fn(embedding)
        self._start_tokens, self._end_token = _int32_tokens(type(self).__name__, start_tokens, end_token)
        self._batch_size = v1.size(self._start_tokens)
        self._start_inputs = self._embedding_fn(self._start_tokens)

    def initialize(self, name=None):
        return v1.fill([self._batch_size], False), self._start_inputs

    def _check_logits(self, outputs):
        if not isinstance(outputs, v1.Tensor):
            raise TypeError(f"{type(self).__name__}: the decoder's outputs must be one Tensor of logits, "
                            f"got {type(outputs).__name__}")

    def sample(self, time, outputs, state=None, name=None):
        self._check_logits(outputs)
        return v1.argmax(outputs, axis=-1, output_type=v1.int32)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        finished = v1.equal(sample_ids, self._end_token)
        # once all are finished the value is never read; the start inputs have the right shape
        next_inputs = v1.cond(v1.reduce_all(finished), lambda: self._start_inputs,
                              lambda: self._embedding_fn(sample_ids))
        return finished, next_inputs, state


class SampleEmbeddingHelper(GreedyEmbeddingHelper):
    """GreedyEmbeddingHelper that samples from softmax(outputs / softmax_temperature) instead of the argmax."""

    def __init__(self, embedding, start_tokens, end_token, softmax_temperature=None, seed=None):
        super().__init__(embedding, start_tokens, end_token)
        self._softmax_temperature, self._seed = softmax_temperature, seed

    def sample(self, time, outputs, state=None, name=None):
        self._check_logits(outputs)
        logits = outputs if self._softmax_temperature is None else outputs / self._softmax_temperature
        return _categorical(logits, self._seed)


class InferenceHelper(_AttributeHelper):
    """Inference with the caller's ``sample_fn(outputs)``, ``end_fn(sample_ids)`` and (optionally)
    ``next_inputs_fn(sample_ids)``; without it the samples themselves are the next inputs."""

    def __init__(self, sample_fn, sample_shape, sample_dtype, start_inputs, end_fn, next_inputs_fn=None):
        self._sample_fn, self._end_fn, self._next_inputs_fn = sample_fn, end_fn, next_inputs_fn
        self._sample_ids_shape, self._sample_ids_dtype = sample_shape, sample_dtype
        self._start_inputs = v1.convert_to_tensor(start_inputs, name="start_inputs")
        self._batch_size = v1.shape(self._start_inputs)[0]

    def initialize(self, name=None):
        return v1.fill([self._batch_size], False), self._start_inputs

    def sample(self, time, outputs, state=None, name=None):
        return self._sample_fn(outputs)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        next_inputs = sample_ids if self._next_inputs_fn is None else self._next_inputs_fn(sample_ids)
        return self._end_fn(sample_ids), next_inputs, state
