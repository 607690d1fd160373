# The script keeps its own argv, __file__, __name__, flags and exit status under the runner.
import os
import sys

import tensorflow as tf

tf.app.flags.DEFINE_integer("steps", 5, "how many")
FLAGS = tf.app.flags.FLAGS


def main(argv):
    print("argv", argv[1:], "steps", FLAGS.steps)
    print("file", os.path.basename(__file__), "name", __name__)
    with tf.Session() as sess:
        print("sum", sess.run(tf.add(tf.constant(2), 3)))
    sys.exit(3)


if __name__ == "__main__":
    tf.app.run()
