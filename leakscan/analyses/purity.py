"""What a call can tell about its result: pure builtins and library functions map their
arguments to a result and read nothing else; a helper that reads only its arguments does
the same.  Key domains use it: the image of a finite set under such a function is finite."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.index import ModuleIndex, Scope, descendants

# Builtins that read or reshape their arguments without reaching outside the program.
_PURE_BUILTINS = frozenset(
    {
        "type",
        "str",
        "repr",
        "int",
        "float",
        "bool",
        "tuple",
        "frozenset",
        "len",
        "abs",
        "min",
        "max",
        "sorted",
        "reversed",
        "getattr",
        "id",
        "hash",
        "format",
        "chr",
        "ord",
        "enumerate",
        "zip",
        "vars",
        "dir",
        "__import__",
        "list",
        "set",
        "dict",
        "range",
        "sum",
        "any",
        "all",
        "round",
        "divmod",
        "slice",
    }
)
_PURE_QUALIFIED_PREFIXES = ("os.path.", "posixpath.", "ntpath.", "operator.", "string.", "unicodedata.")
_PURE_QUALIFIED = frozenset(
    {
        "importlib.import_module",
        "sys.intern",
        "os.fspath",
        "os.fsencode",
        "os.fsdecode",
        "codecs.lookup",  # a codec of the registry: finitely many
        "encodings.normalize_encoding",
    }
)
# Methods that reach outside the program even on a bounded receiver.
IMPURE_METHODS = frozenset(
    {"read", "readline", "readlines", "recv", "recvfrom", "fetch", "fetchall", "fetchone", "query", "execute"}
)
_IMPURE_PREFIXES = ("time.", "random.", "uuid.", "secrets.", "datetime.", "itertools.count", "socket.")
_IMPURE_BUILTINS = frozenset(
    {"builtins.input", "builtins.open", "builtins.next", "builtins.id", "os.urandom"}
)


# Calls whose result is drawn from their arguments, though not always the same draw:
# ``random.sample(self.upstreams, n)`` yields upstreams and nothing else.
_PICKS_FROM_ARGUMENTS = frozenset(
    {
        "random.sample",
        "random.choice",
        "random.choices",
        "itertools.cycle",
        "itertools.islice",
        "itertools.chain",
    }
)


def pure_call(qualified: str) -> bool:
    """``str(x)``, ``os.path.realpath(p)``: the result depends on the arguments alone (or,
    for ``random.sample``, is drawn from them)."""
    return qualified in _PICKS_FROM_ARGUMENTS or (
        (qualified.startswith("builtins.") and qualified[len("builtins.") :] in _PURE_BUILTINS)
        or qualified in _PURE_QUALIFIED
        or qualified.startswith(_PURE_QUALIFIED_PREFIXES)
    )


def reads_only_arguments(index: ModuleIndex, function: Scope) -> bool:
    """``function`` reads nothing but its arguments and the program: no clock, randomness,
    counter, input or shared state it rebinds (``global``)."""
    return not any(_impure(index, node) for node in descendants(function.node))


def _impure(index: ModuleIndex, node: cst.CSTNode) -> bool:
    if isinstance(node, (cst.Global, cst.Nonlocal, cst.Yield, cst.Await)):
        return True
    if isinstance(node, cst.Call):
        name = index.qualified_name(node.func) or ""
        if name.startswith(_IMPURE_PREFIXES) or name in _IMPURE_BUILTINS:
            return True
        return isinstance(node.func, cst.Attribute) and node.func.attr.value in IMPURE_METHODS
    return False
