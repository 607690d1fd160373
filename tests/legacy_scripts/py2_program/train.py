# A Python 2 program of three files, run unmodified by tests/legacy/test_py2_program.py: print
# statements, xrange, dict.iteritems and has_key, integer division, "raise E, msg", and cPickle
# reading data_batch.pkl, a Python 2 pickle (protocol 2) the test writes beside this file.
import os
import sys
import cPickle

import helpers
from lib import stats

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "data_batch.pkl"), "rb") as f:
    batch = cPickle.load(f)
print "label", batch["batch_label"]
print "owner", batch["owner"]
print "pixels", batch["data"].sum(), batch["data"].dtype
print "mean label", helpers.mean(batch["labels"])
print "row means", stats.row_means(batch["data"])
counts = helpers.count_words(["a", "b", "a"])
for word, n in sorted(counts.iteritems()):
    print "count", word, n
print "halves", [i / 2 for i in xrange(5)]
if sys.argv[1:] == ["fail"]:
    helpers.fail_deep(3)
