"""Small local stand-ins for the external data some corpus programs download or expect.

Written for this corpus (not third-party data). Run from /work/corpus: python3 _standins/make_standins.py
Deterministic: the same files every time.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SHAKESPEARE = os.path.join(HERE, "..", "sherjilozair__char-rnn-tensorflow", "head", "data", "tinyshakespeare", "input.txt")

HAM = "ok see you at home later then call me when you get there i am going to be late sorry love dinner tonight".split()
SPAM = "free win claim prize cash now call text urgent offer award guaranteed reply stop mobile".split()


def sms_spam(rng, lines=5574):
    """UCI SMS Spam Collection format: 'ham<TAB>text' or 'spam<TAB>text', about 13% spam."""
    rows = []
    for _ in range(lines):
        label = "spam" if rng.random() < 0.13 else "ham"
        words = SPAM + HAM[:8] if label == "spam" else HAM
        rows.append(label + "\t" + " ".join(rng.choice(words) for _ in range(rng.randint(4, 24))))
    return "\n".join(rows) + "\n"


def imdb_reviews(rng, labels_path):
    """One lower-case review per line matching sentiment-network/labels.txt, words skewed by label."""
    good, bad = "great wonderful loved best fun".split(), "awful boring worst bad waste".split()
    common = "the movie film was and a of to it this is in that story acting plot".split()
    rows = []
    for label in open(labels_path).read().split("\n")[:25000]:
        words = common * 3 + (good if label == "positive" else bad)
        rows.append(" ".join(rng.choice(words) for _ in range(rng.randint(10, 60))))
    return "\n".join(rows) + "\n"


def arxiv_abstracts():
    """One long 'abstract' per line: tinyshakespeare, 20 lines joined, the first 100 such lines."""
    lines = [line.strip() for line in open(SHAKESPEARE) if line.strip()]
    return "\n".join(" ".join(lines[i:i + 20]) for i in range(0, 2000, 20)) + "\n"


def main():
    rng = random.Random(1)
    outputs = {
        "sms_spam_text_data.txt": sms_spam(rng),
        "imdb_reviews_standin.txt": imdb_reviews(rng, os.path.join(HERE, "..", "udacity__deep-learning", "sentiment-network", "labels.txt")),
        "arvix_abstracts_standin.txt": arxiv_abstracts(),
    }
    for name, text in outputs.items():
        with open(os.path.join(HERE, name), "w") as f:
            f.write(text)
        print(name, len(text), "bytes")


if __name__ == "__main__":
    main()
