"""Changes to the running process that are recorded as they are made, and undone in reverse.

The runner changes the process for the program it runs (``sys.modules["tensorflow"]``, import
finders, attributes of TensorFlow's modules, an environment variable); :class:`Patches` makes
each change through one of its methods, so that ``undo()`` puts everything back as it was.
"""
import os

_ABSENT = object()


class Patches:
    def __init__(self):
        self._undo = []

    def setitem(self, mapping, key, value):
        """``mapping[key] = value``; undone by restoring the old value, or deleting a new key."""
        old = mapping.get(key, _ABSENT)
        mapping[key] = value
        self._undo.append(lambda: mapping.pop(key, None) if old is _ABSENT else mapping.__setitem__(key, old))

    def delitem(self, mapping, key):
        if key in mapping:
            old = mapping.pop(key)
            self._undo.append(lambda: mapping.__setitem__(key, old))

    def setattr(self, target, name, value):
        """``setattr(target, name, value)``; undone by restoring (or deleting) what ``vars`` held."""
        old = vars(target).get(name, _ABSENT)  # vars: a lazy module's __getattr__ must not run
        setattr(target, name, value)
        self._undo.append(lambda: delattr(target, name) if old is _ABSENT else setattr(target, name, old))

    def setenv(self, name, value):
        self.setitem(os.environ, name, value)

    def insert(self, sequence, index, item):
        """``sequence.insert(index, item)`` (``index`` None appends); undone by removing that item."""
        sequence.insert(len(sequence) if index is None else index, item)
        self._undo.append(lambda: sequence.remove(item) if item in sequence else None)

    def on_undo(self, function):
        """Run ``function`` when undoing, in its place in the reverse order."""
        self._undo.append(function)

    def undo(self):
        while self._undo:
            self._undo.pop()()
