"""``tf.contrib.learn.preprocessing``: the vocabulary and tokenizer of TF 1.x's text pipelines.

``VocabularyProcessor`` (documents to rows of word ids), ``CategoricalVocabulary``,
``ByteProcessor`` and ``tokenizer``. ``VocabularyProcessor.save`` writes TF 1.x's file: a pickle
of the processor, its classes named by their TF 1.x modules
(``tensorflow.contrib.learn.python.learn.preprocessing.text``...) and its attributes TF 1.x's,
so a vocabulary saved by TF 1.x restores here and one saved here restores in TF 1.x. Saving and
restoring work outside the runner too: the module paths are put in ``sys.modules`` meanwhile.

Difference: ``CategoricalVocabulary.trim`` keeps in ``_freq`` only the categories it kept
(TF 1.x kept as many entries of its frequency ranking, skipped ones included).
"""
import collections
import contextlib
import itertools
import pickle
import re
import sys

import numpy as np

from tf1_rnn.legacy.namespace import module

LEARN = "tensorflow.contrib.learn.python.learn"  # where TF 1.x defined these, as pickles name them
TEXT_MODULE = f"{LEARN}.preprocessing.text"
VOCABULARY_MODULE = f"{LEARN}.preprocessing.categorical_vocabulary"

TOKENIZER_RE = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z][a-z]+(?=[A-Z])|[\'\w\-]+", re.UNICODE)


def tokenizer(iterator):
    """Yields each document's tokens: words (with ' and -), capitalised runs split (``"CamelCase"``)."""
    for document in iterator:
        yield TOKENIZER_RE.findall(document)


class CategoricalVocabulary:
    """Categories (words) to ids; id 0 is the unknown token. Attribute names are TF 1.x's (pickles)."""

    def __init__(self, unknown_token="<UNK>", support_reverse=True):
        self._unknown_token = unknown_token
        self._mapping = {unknown_token: 0}
        self._support_reverse = support_reverse
        if support_reverse:
            self._reverse_mapping = [unknown_token]
        self._freq = collections.defaultdict(int)
        self._freeze = False

    def __len__(self):
        return len(self._mapping)  # the unknown token included

    def freeze(self, freeze=True):
        """A frozen vocabulary answers 0 for new categories instead of adding them."""
        self._freeze = freeze

    def get(self, category):
        if category not in self._mapping:
            if self._freeze:
                return 0
            self._mapping[category] = len(self._mapping)
            if self._support_reverse:
                self._reverse_mapping.append(category)
        return self._mapping[category]

    def add(self, category, count=1):
        """Count ``category`` (added first if new); the unknown token is never counted."""
        if self.get(category) > 0:
            self._freq[category] += count

    def trim(self, min_frequency, max_frequency=-1):
        """Keep categories seen more than ``min_frequency`` times (and fewer than ``max_frequency``,
        if positive), renumbered 1.. most frequent first, ties in sorted order (non-strings first)."""
        ranked = sorted(self._freq.items(), key=lambda item: (isinstance(item[0], str), item[0]))
        ranked.sort(key=lambda item: item[1], reverse=True)  # stable: ties keep the sorted order
        kept = []
        for category, count in ranked:
            if count <= min_frequency:
                break
            if not (0 < max_frequency <= count):
                kept.append((category, count))
        self._mapping = {self._unknown_token: 0, **{category: i for i, (category, _) in enumerate(kept, 1)}}
        if self._support_reverse:
            self._reverse_mapping = [self._unknown_token] + [category for category, _ in kept]
        self._freq = dict(kept)

    def reverse(self, class_id):
        if not self._support_reverse:
            raise ValueError("CategoricalVocabulary.reverse: this vocabulary was made with support_reverse=False")
        return self._reverse_mapping[class_id]


class VocabularyProcessor:
    """Documents to rows of ``max_document_length`` word ids (0: unknown or padding)."""

    def __init__(self, max_document_length, min_frequency=0, vocabulary=None, tokenizer_fn=None):
        self.max_document_length = max_document_length
        self.min_frequency = min_frequency
        self.vocabulary_ = vocabulary if vocabulary else CategoricalVocabulary()
        self._tokenizer = tokenizer_fn if tokenizer_fn else tokenizer

    def fit(self, raw_documents, unused_y=None):
        """Add every token of the documents, trim below ``min_frequency``, freeze."""
        for tokens in self._tokenizer(raw_documents):
            for token in tokens:
                self.vocabulary_.add(token)
        if self.min_frequency > 0:
            self.vocabulary_.trim(self.min_frequency)
        self.vocabulary_.freeze()
        return self

    def fit_transform(self, raw_documents, unused_y=None):
        self.fit(raw_documents)
        return self.transform(raw_documents)

    def transform(self, raw_documents):
        """Yields an int64 row ``[max_document_length]`` per document: its first words' ids, zero-padded."""
        for tokens in self._tokenizer(raw_documents):
            ids = [self.vocabulary_.get(token) for token in itertools.islice(tokens, self.max_document_length)]
            yield np.array(ids + [0] * (self.max_document_length - len(ids)), dtype=np.int64)

    def reverse(self, documents):
        """Yields each row of ids as its words joined by spaces (padding reads as the unknown token)."""
        for row in documents:
            yield " ".join(self.vocabulary_.reverse(class_id) for class_id in row)

    def save(self, filename):
        with _tf1_module_paths(), open(filename, "wb") as f:
            f.write(pickle.dumps(self))

    @classmethod
    def restore(cls, filename):
        with _tf1_module_paths(), open(filename, "rb") as f:
            return pickle.loads(f.read(), encoding="utf-8")  # utf-8: Python 2's str words


class ByteProcessor:
    """Documents to rows of ``max_document_length`` UTF-8 byte values, zero-padded."""

    def __init__(self, max_document_length):
        self.max_document_length = max_document_length

    def fit(self, x):
        return None  # nothing to learn

    def fit_transform(self, x):
        return self.transform(x)

    def transform(self, x):
        for document in x:
            data = document.encode("utf-8") if isinstance(document, str) else bytes(document)
            row = np.frombuffer(data[:self.max_document_length], dtype=np.uint8)
            yield np.pad(row, (0, self.max_document_length - len(row)), "constant")

    def reverse(self, x):
        """Yields each row's text ('' where its bytes are not UTF-8)."""
        for row in x:
            data = np.trim_zeros(np.asarray(row).astype(np.int8), trim="b").tobytes()
            try:
                yield data.decode("utf-8")
            except UnicodeDecodeError:
                yield ""


# Pickles name a class or function by its module: TF 1.x's, so the files are TF 1.x's.
tokenizer.__module__ = VocabularyProcessor.__module__ = ByteProcessor.__module__ = TEXT_MODULE
CategoricalVocabulary.__module__ = VOCABULARY_MODULE


def modules():
    """{module name: namespace} for TF 1.x's ``preprocessing.text`` and ``.categorical_vocabulary``."""
    vocabulary = module(VOCABULARY_MODULE, CategoricalVocabulary=CategoricalVocabulary)
    text = module(TEXT_MODULE, tokenizer=tokenizer, TOKENIZER_RE=TOKENIZER_RE, ByteProcessor=ByteProcessor,
                  VocabularyProcessor=VocabularyProcessor, CategoricalVocabulary=CategoricalVocabulary)
    return {VOCABULARY_MODULE: vocabulary, TEXT_MODULE: text}


@contextlib.contextmanager
def _tf1_module_paths():
    """TF 1.x's module paths in ``sys.modules`` while pickling, where the runner has not put them."""
    added = {name: part for name, part in modules().items() if name not in sys.modules}
    sys.modules.update(added)
    try:
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)
