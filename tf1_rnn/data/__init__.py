"""The data layer: IDX files, where they come from, and TF1's ``DataSet``/``read_data_sets``.

``idx`` reads and checks IDX files, ``sources`` says where a file can come from (the cache, a
mirror, an npm or Debian package), ``provision`` puts verified files in a data directory, and
``datasets`` serves them as TF1's tutorials read them. It knows no model and loads no TensorFlow.
"""
