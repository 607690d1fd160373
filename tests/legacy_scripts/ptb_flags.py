# The PTB tutorial's flags (tf.flags, read in main after tf.app.run) get the script's own arguments
# under the runner; run by tests/legacy/test_tf0_models.py.
import os

import tensorflow as tf

flags = tf.flags
flags.DEFINE_string("model", "small", "A type of model. Possible options are: small, medium, large.")
flags.DEFINE_string("data_path", None, "Where the training/test data is stored.")
tf.app.flags.DEFINE_integer("max_epoch", 4, "epochs at the initial learning rate")
flags.DEFINE_bool("use_fp16", False, "Train using 16-bit floats instead of 32bit floats")
FLAGS = flags.FLAGS


def main(argv):
    print("flags data_path", FLAGS.data_path, "model", FLAGS.model, "max_epoch", FLAGS.max_epoch,
          "use_fp16", FLAGS.use_fp16)
    print("argv", [os.path.basename(argv[0])] + argv[1:])


if __name__ == "__main__":
    tf.app.run()
