"""``tf.flags`` and ``tf.app.flags`` as TF 1.x programs defined theirs.

Today both are absl's flags, and importing TensorFlow imports ``absl.logging``, which defines
flags of its own (``log_dir``, ``v``, ``logtostderr``, ...). TF 1.x's logging did not, so a
program that defines ``log_dir`` stopped on absl's DuplicateFlagError. Here a DEFINE_* of a name
that only absl.logging holds takes the name over while the runner's namespace is installed.
"""
from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy.namespace import Namespace

DEFINES = ["DEFINE_string", "DEFINE_integer", "DEFINE_float", "DEFINE_boolean", "DEFINE_bool", "DEFINE_enum",
           "DEFINE_list", "DEFINE_multi_string", "DEFINE_multi_integer", "DEFINE_multi_float"]


def namespaces(patches):
    """``{"flags": tf.flags, "app": tf.app}`` whose DEFINE_* take over absl.logging's names."""
    flags = v1.flags
    overrides = {kind: _taking_over(getattr(flags, kind), flags.FLAGS, patches) for kind in DEFINES
                 if hasattr(flags, kind)}
    flags_namespace = Namespace("tensorflow.flags", [flags], overrides)
    return {"flags": flags_namespace,
            "app": Namespace("tensorflow.app", [v1.app], {"flags": flags_namespace})}


def _taking_over(define, values, patches):
    def define_flag(name, *args, **kwargs):
        if name in values and values.find_module_defining_flag(name) == "absl.logging":
            old = values[name]
            delattr(values, name)

            def restore(name=name, old=old):
                if name in values:
                    delattr(values, name)
                values[name] = old
                values.register_flag_by_module("absl.logging", old)
            patches.on_undo(restore)
        return define(name, *args, **kwargs)
    return define_flag
