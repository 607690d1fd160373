"""The TensorFlow matrix: the whole test suite on the oldest supported TensorFlow, the newest release,
and tonight's nightly. Run before a release, not in CI (``.ci/run`` runs the README's test command):

    pip install nox && nox                 # all three, each in its own virtual environment
    nox -s nightly -- tests/lstm -x        # one of them, with pytest's arguments

Each session installs its TensorFlow and tf-keras first, so the project's own requirements find
them satisfied. The nightly wheels are newer than ``setup.py``'s upper pins, so there the project
goes in with ``--no-deps`` and its other requirements are installed by name. Results: docs/tensorflow.md.
"""
import nox

nox.options.sessions = ["oldest", "newest", "nightly"]
nox.options.default_venv_backend = "venv"

# The pins under test: setup.py's lower bounds, and the newest release of each.
RELEASES = {
    "oldest": ["tensorflow==2.18.1", "tf-keras==2.18.0", "tensorboard==2.18.0"],
    "newest": ["tensorflow==2.21.0", "tf-keras==2.21.0", "tensorboard==2.21.0"],
}
NIGHTLY = ["tf-nightly", "tf-keras-nightly", "tb-nightly"]
# setup.py's install_requires and test extra, less TensorFlow, tf-keras and TensorBoard
OTHER_REQUIREMENTS = ["numpy", "filelock>=3.12", "platformdirs>=3", "fissix>=21", "tf-slim>=1.1", "pytest>=7",
                      "pytest-xdist>=3", "nbclient>=0.10", "nbformat>=5", "ipykernel>=6", "jupyter_client>=8", "matplotlib>=3.7",
                      "scipy>=1.10"]


def _test(session):
    session.run("python", "-c", "import tensorflow as tf, tf_keras; print('TensorFlow', tf.__version__, "
                "'tf-keras', tf_keras.__version__)", env={"TF_CPP_MIN_LOG_LEVEL": "3"})
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session(name="oldest")
def oldest(session):
    session.install(*RELEASES["oldest"])
    session.install("-e", ".[test]")
    _test(session)


@nox.session(name="newest")
def newest(session):
    session.install(*RELEASES["newest"])
    session.install("-e", ".[test]")
    _test(session)


@nox.session(name="nightly")
def nightly(session):
    session.install("--pre", *NIGHTLY)
    session.install(*OTHER_REQUIREMENTS)
    session.install("--no-deps", "-e", ".")
    _test(session)
