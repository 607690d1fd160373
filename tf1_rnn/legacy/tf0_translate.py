"""``tensorflow.models.rnn.translate.data_utils``: the translate tutorial's tokenizer and vocabularies (TF 0.x).

TF 0.x's pip package shipped the English-French translation tutorial's data code (in TF 1.x it
lived in tensorflow/models, tutorials/rnn/translate). As in its last 0.x version, tokens and
vocabularies are bytes: a vocabulary file holds one token a line, ``_PAD _GO _EOS _UNK`` first
(ids 0 to 3), then the training data's tokens, most frequent first.

- ``basic_tokenizer(sentence)``: split on spaces, then around ``. , ! ? " ' : ; ) (``.
- ``create_vocabulary``, ``initialize_vocabulary``, ``sentence_to_token_ids``,
  ``data_to_token_ids``: as in 0.x; ``normalize_digits`` turns every digit into ``0``.
- ``prepare_wmt_data(data_dir, en_vocabulary_size, fr_vocabulary_size, tokenizer=None)``: from
  the WMT files already in ``data_dir`` (the extracted corpora, or the archives, which are
  unpacked); the runner downloads nothing, and a missing file stops it with one line.

Differences: a ``str`` sentence is looked up in a bytes vocabulary as its UTF-8 bytes (on Python 3,
0.x raised TypeError), and the tokenizer returns tokens of the type it was given. Ties in token
frequency keep first-seen order (0.x had Python 2's arbitrary dict order).
"""
import gzip
import os
import re
import shutil
import tarfile

from tf1_rnn.data.idx import DataError

_PAD, _GO, _EOS, _UNK = b"_PAD", b"_GO", b"_EOS", b"_UNK"
_START_VOCAB = [_PAD, _GO, _EOS, _UNK]
PAD_ID, GO_ID, EOS_ID, UNK_ID = 0, 1, 2, 3

_WORD_SPLIT = re.compile(b"([.,!?\"':;)(])")
_DIGIT_RE = re.compile(rb"\d")
_WORD_SPLIT_STR = re.compile(_WORD_SPLIT.pattern.decode())  # for str sentences
_DIGIT_RE_STR = re.compile(_DIGIT_RE.pattern.decode())

_WMT_ENFR_TRAIN_URL = "http://www.statmt.org/wmt10/training-giga-fren.tar"
_WMT_ENFR_DEV_URL = "http://www.statmt.org/wmt15/dev-v2.tgz"
TRAIN_NAMES = ("giga-fren.release2.fixed", "giga-fren.release2")  # the last 0.x's name, then the first's
DEV_NAME = "newstest2013"


def basic_tokenizer(sentence):
    """Tokens of ``sentence`` (bytes or str, returned as the same type); punctuation splits off."""
    split = _WORD_SPLIT if isinstance(sentence, bytes) else _WORD_SPLIT_STR
    return [token for fragment in sentence.strip().split() for token in split.split(fragment) if token]


def _normalized(token, normalize_digits):
    if not normalize_digits:
        return token
    return _DIGIT_RE.sub(b"0", token) if isinstance(token, bytes) else _DIGIT_RE_STR.sub("0", token)


def _as_bytes(token):
    return token if isinstance(token, bytes) else token.encode("utf-8")


def _tokens(sentence, tokenizer, normalize_digits):
    return [_normalized(token, normalize_digits) for token in (tokenizer or basic_tokenizer)(sentence)]


def create_vocabulary(vocabulary_path, data_path, max_vocabulary_size, tokenizer=None, normalize_digits=True):
    """Write the vocabulary of ``data_path`` (one sentence a line) to ``vocabulary_path``, unless it exists."""
    if os.path.exists(vocabulary_path):
        return
    print(f"Creating vocabulary {vocabulary_path} from data {data_path}")
    counts = {}
    with open(data_path, "rb") as data:
        for number, line in enumerate(data, 1):
            if number % 100000 == 0:
                print(f"  processing line {number}")
            for token in _tokens(line, tokenizer, normalize_digits):
                counts[_as_bytes(token)] = counts.get(_as_bytes(token), 0) + 1
    ranked = sorted(counts, key=lambda token: -counts[token])  # stable: ties keep first-seen order
    with open(vocabulary_path, "wb") as vocabulary:
        vocabulary.writelines(token + b"\n" for token in (_START_VOCAB + ranked)[:max_vocabulary_size])


def initialize_vocabulary(vocabulary_path):
    """``({token: id}, [token by id])`` from a vocabulary file; tokens are bytes."""
    if not os.path.exists(vocabulary_path):
        raise ValueError(f"initialize_vocabulary: vocabulary file {vocabulary_path} not found")
    with open(vocabulary_path, "rb") as f:
        rev_vocab = [line.strip() for line in f]
    return {token: i for i, token in enumerate(rev_vocab)}, rev_vocab


def sentence_to_token_ids(sentence, vocabulary, tokenizer=None, normalize_digits=True):
    """The ids of ``sentence``'s tokens; a token not in ``vocabulary`` is ``UNK_ID``."""
    keys_are_bytes = isinstance(next(iter(vocabulary), b""), bytes)
    if keys_are_bytes and isinstance(sentence, str):
        sentence = sentence.encode("utf-8")
    elif not keys_are_bytes and isinstance(sentence, bytes):
        sentence = sentence.decode("utf-8")
    return [vocabulary.get(token, UNK_ID) for token in _tokens(sentence, tokenizer, normalize_digits)]


def data_to_token_ids(data_path, target_path, vocabulary_path, tokenizer=None, normalize_digits=True):
    """Write ``data_path``'s sentences as space-separated ids to ``target_path``, unless it exists."""
    if os.path.exists(target_path):
        return
    print(f"Tokenizing data in {data_path}")
    vocab, _ = initialize_vocabulary(vocabulary_path)
    with open(data_path, "rb") as data, open(target_path, "w") as target:
        for number, line in enumerate(data, 1):
            if number % 100000 == 0:
                print(f"  tokenizing line {number}")
            target.write(" ".join(map(str, sentence_to_token_ids(line, vocab, tokenizer, normalize_digits))) + "\n")


def maybe_download(directory, filename, url):
    """The path of ``filename`` in ``directory``; the runner never downloads, so it must be there."""
    path = os.path.join(directory, filename)
    if not os.path.exists(path):
        raise DataError(f"data_utils: {path} is missing and the runner downloads nothing; "
                        f"fetch it from {url} and put it there")
    return path


def gunzip_file(gz_path, new_path):
    print(f"Unpacking {gz_path} to {new_path}")
    with gzip.open(gz_path, "rb") as packed, open(new_path, "wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)


def _have_pair(prefix):
    return all(os.path.exists(f"{prefix}.{language}") for language in ("en", "fr"))


def get_wmt_enfr_train_set(directory):
    """The path prefix of the training corpus (``<prefix>.en``, ``<prefix>.fr``), unpacked from the
    tar in ``directory`` if only that is there."""
    for name in TRAIN_NAMES:
        if _have_pair(os.path.join(directory, name)):
            return os.path.join(directory, name)
    train_path = os.path.join(directory, TRAIN_NAMES[0])
    corpus = maybe_download(directory, "training-giga-fren.tar", _WMT_ENFR_TRAIN_URL)
    print(f"Extracting tar file {corpus}")
    with tarfile.open(corpus, "r") as tar:
        tar.extractall(directory, filter="data")
    for language in ("fr", "en"):
        gunzip_file(f"{train_path}.{language}.gz", f"{train_path}.{language}")
    return train_path


def get_wmt_enfr_dev_set(directory):
    """The path prefix of newstest2013 (``.en``, ``.fr``), taken from dev-v2.tgz in ``directory`` if needed."""
    dev_path = os.path.join(directory, DEV_NAME)
    if _have_pair(dev_path):
        return dev_path
    archive = maybe_download(directory, "dev-v2.tgz", _WMT_ENFR_DEV_URL)
    print(f"Extracting tgz file {archive}")
    with tarfile.open(archive, "r:gz") as tar:
        for language in ("fr", "en"):
            member = tar.getmember(f"dev/{DEV_NAME}.{language}")
            member.name = f"{DEV_NAME}.{language}"  # without the archive's dev/ folder
            tar.extract(member, directory, filter="data")
    return dev_path


def prepare_wmt_data(data_dir, en_vocabulary_size, fr_vocabulary_size, tokenizer=None):
    """Vocabularies and token-id files for WMT en-fr; returns the paths
    ``(en_train_ids, fr_train_ids, en_dev_ids, fr_dev_ids, en_vocab, fr_vocab)``."""
    prefixes = {"train": get_wmt_enfr_train_set(data_dir), "dev": get_wmt_enfr_dev_set(data_dir)}
    sizes = {"en": en_vocabulary_size, "fr": fr_vocabulary_size}
    vocab = {language: os.path.join(data_dir, f"vocab{size}.{language}") for language, size in sizes.items()}
    for language in ("fr", "en"):
        create_vocabulary(vocab[language], f"{prefixes['train']}.{language}", sizes[language], tokenizer)
    ids = {}
    for part in ("train", "dev"):
        for language in ("fr", "en"):
            ids[part, language] = f"{prefixes[part]}.ids{sizes[language]}.{language}"
            data_to_token_ids(f"{prefixes[part]}.{language}", ids[part, language], vocab[language], tokenizer)
    return (ids["train", "en"], ids["train", "fr"], ids["dev", "en"], ids["dev", "fr"], vocab["en"], vocab["fr"])


NAMES = ["_PAD", "_GO", "_EOS", "_UNK", "_START_VOCAB", "PAD_ID", "GO_ID", "EOS_ID", "UNK_ID", "_WORD_SPLIT",
         "_DIGIT_RE", "basic_tokenizer", "create_vocabulary", "initialize_vocabulary", "sentence_to_token_ids",
         "data_to_token_ids", "maybe_download", "gunzip_file", "get_wmt_enfr_train_set", "get_wmt_enfr_dev_set",
         "prepare_wmt_data"]
