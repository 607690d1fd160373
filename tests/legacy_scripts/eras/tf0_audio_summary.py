import tensorflow as tf
tf.audio_summary("sound", x, 16000)
