"""The package's import graph, read from the source with ``ast``: edges, cycles, layer violations.

    python scripts/import_graph.py              # subpackage edges, then any cycle or violation
    python scripts/import_graph.py --modules    # module edges too
    python scripts/import_graph.py --dot > imports.dot

Layers, lowest first; a module may import its own layer and those below it:
compat < data < lstm < training < tutorials < legacy < reproduce. Imports inside functions
count (they still tie the modules together) but are marked ``lazy``; a cycle is one among
module-level imports, which is what Python executes on import. Exit status 1 on a cycle or a
violation, so a test can hold the line.
"""
import argparse
import ast
import os
import sys

LAYERS = ["compat", "data", "lstm", "training", "tutorials", "legacy", "reproduce"]
PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tf1_rnn")


def modules(root=PACKAGE):
    """{dotted module name: path} for every .py file of the package."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, name), os.path.dirname(root))[:-3].replace(os.sep, ".")
                found[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = os.path.join(folder, name)
    return found


def imports(name, path, known):
    """``[(imported module, lazy)]``: tf1_rnn modules ``name`` imports, at module level or in a function."""
    tree = ast.parse(open(path).read(), path)
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    edges = []
    for node in ast.walk(tree):
        lazy = _inside_function(tree, node)
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        edges += [(t, lazy) for t in targets if t.startswith("tf1_rnn") and t in known and t != name]
    return edges


def _inside_function(tree, target):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(n is target for n in ast.walk(node)):
            return True
    return False


def layer(module):
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def graph(root=PACKAGE):
    known = modules(root)
    return {name: imports(name, path, known) for name, path in sorted(known.items())}


def cycles(edges):
    """Cycles among module-level imports (each reported once, from its smallest module)."""
    eager = {a: sorted({b for b, lazy in targets if not lazy}) for a, targets in edges.items()}
    found = set()

    def visit(node, path):
        for nxt in eager.get(node, []):
            if nxt in path:
                cycle = path[path.index(nxt):]
                start = cycle.index(min(cycle))
                found.add(tuple(cycle[start:] + cycle[:start]))
            elif len(path) < 12:
                visit(nxt, path + [nxt])
    for node in eager:
        visit(node, [node])
    return sorted(found)


def violations(edges):
    """``(importer, imported)`` where a module imports one of a higher layer."""
    return [(a, b) for a, targets in edges.items() for b, _ in targets
            if layer(a) is not None and layer(b) is not None and layer(b) > layer(a)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", action="store_true", help="list module edges, not only subpackage edges")
    parser.add_argument("--dot", action="store_true", help="print the subpackage graph in Graphviz's dot language")
    parser.add_argument("--root", default=PACKAGE, help="the package folder to read (default: this checkout's)")
    args = parser.parse_args(argv)
    edges = graph(args.root)
    groups = sorted({(a.split(".")[1] if "." in a else a, b.split(".")[1]) for a, targets in edges.items()
                     for b, _ in targets if "." in b} - {(x, x) for x in LAYERS})
    if args.dot:
        print("digraph tf1_rnn {\n" + "".join(f'  "{a}" -> "{b}";\n' for a, b in groups) + "}")
        return 0
    for a, b in groups:
        print(f"{a} -> {b}")
    if args.modules:
        for a, targets in edges.items():
            for b, lazy in targets:
                print(f"  {a} -> {b}{' (lazy)' if lazy else ''}")
    found, wrong = cycles(edges), violations(edges)
    for cycle in found:
        print("cycle: " + " -> ".join(cycle + (cycle[0],)))
    for a, b in wrong:
        print(f"layer violation: {a} imports {b}")
    print(f"{len(edges)} modules, {sum(map(len, edges.values()))} imports, {len(found)} cycles, "
          f"{len(wrong)} layer violations")
    return 1 if found or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
