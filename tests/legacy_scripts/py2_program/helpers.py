"""Helpers of the Python 2 program (its print statement makes this file Python 2 to any parser)."""


def mean(values):
    return sum(values) / len(values)  # Python 2: an int for ints


def count_words(words):
    counts = {}
    for word in words:
        if not counts.has_key(word):
            counts[word] = 0
        counts[word] += 1
    return counts


def fail_deep(depth):
    print "failing at depth", depth
    raise ValueError, "depth %d" % depth
