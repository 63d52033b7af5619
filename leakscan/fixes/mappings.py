"""Patches for dicts and sets that only grow: oldest-first eviction where the code keeps
timestamps, LRU where every read is seen, else FIFO eviction before each insertion."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from leakscan.analyses.container_model import Container, Site
from leakscan.analyses.container_verdict import judge
from leakscan.analyses.exprs import dotted_names
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.fixes.common import Flagged, Sizer, body_statement, code, free_name, simple
from leakscan.fixes.edits import AddImport, Edit, Insert, Proposal, Replace

CLOCKS = frozenset(
    {
        "time.time",
        "time.monotonic",
        "time.perf_counter",
        "time.time_ns",
        "time.monotonic_ns",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
    }
)


def mapping_proposal(flagged: Flagged) -> Proposal | None:
    """Oldest-first where entries carry a timestamp, else LRU where every read is seen, else FIFO."""
    index, container, growth, escapes, size = (
        flagged.index,
        flagged.container,
        flagged.growth,
        flagged.escapes,
        flagged.size,
    )
    siblings = flagged.siblings
    if _stamps(index, container):  # it may be the timestamp book of another cache
        for cache in siblings:
            verdict = judge(cache)
            if (
                cache is not container
                and verdict.safe is None
                and _stamp_book(index, cache, verdict.growth, siblings) is container
            ):
                return _oldest_first(index, cache, verdict.growth, bool(verdict.escapes), size, siblings)
    oldest = _oldest_first(index, container, growth, escapes, size, siblings)
    if oldest is not None:
        return oldest
    if not escapes:
        lru = _lru(index, container, flagged.refs, growth, size)
        if lru is not None:
            return lru
    return _mapping(index, container, growth, escapes, size)


# -- oldest-first ----------------------------------------------------------------------


def _oldest_first(
    index: ModuleIndex,
    container: Container,
    growth: tuple[Site, ...],
    escapes: bool,
    size: int,
    siblings: Sequence[Container],
) -> Proposal | None:
    """Evict the entry stamped longest ago, where every write records when it was made:
    in the value (``{"data": d, "fetched_at": time.time()}``, ``(d, time.monotonic())``) or
    in a second dict kept beside the cache (``self.stamps[k] = time.time()``)."""
    if container.kind not in ("dict", "OrderedDict") or not growth:
        return None
    if any(not _subscript_write(index, site) for site in growth):
        return None
    book = _stamp_book(index, container, growth, siblings)
    stamps = _stamps(index, book) if book is not None else []
    accessor = None if book is not None else _common_accessor(index, growth)
    if book is None and accessor is None:
        return None
    sizer = Sizer(index, container, size)
    edits: list[Edit] = []
    for site in growth:
        node = site.node
        assert isinstance(node, cst.Subscript) and site.key is not None
        bound = sizer.reference(site.scope)
        statement = body_statement(index, node)
        if bound is None or statement is None or not simple(node.value) or not simple(site.key):
            return None
        name, k = code(index, node.value), code(index, site.key)
        guard = f"if len({name}) >= {bound} and {k} not in {name}:\n"
        oldest = free_name(index, site.scope.function_scope(), ("oldest", "stalest", "evicted_key"))
        if book is not None:
            stamp = _paired_stamp(index, site, stamps)
            assert stamp is not None
            anchor = _earlier(index, statement, stamp)
            times = code(index, stamp.node.value)  # type: ignore[attr-defined]
            guard += (
                f"    {oldest} = min({times}, key={times}.get)\n"
                f"    {name}.pop({oldest}, None)\n"
                f"    del {times}[{oldest}]\n"
            )
        else:
            anchor = statement
            taken = dotted_names(node.value)
            param = next(p for p in ("key", "entry", "k", "leakscan_key") if p not in taken)
            guard += (
                f"    {oldest} = min({name}, key=lambda {param}: {name}[{param}]{accessor})\n"
                f"    del {name}[{oldest}]\n"
            )
        edits.append(Insert(anchor, (cst.parse_statement(guard),)))
    constant = sizer.constant()
    if constant is not None:
        edits.append(constant)
    strict = book is None or _book_is_private(index, growth, book, stamps)
    what = f"`{code(index, book.target)}`" if book is not None else "its timestamp"
    return Proposal(
        "oldest-first",
        "review" if escapes or not strict else "safe",
        f"when {sizer.name} is reached, evict the entry with the oldest {what} (one pass over the cache)",
        tuple(edits),
    )


def _subscript_write(index: ModuleIndex, site: Site) -> bool:
    """``c[k] = v``: a plain store through a subscript."""
    node = site.node
    return (
        isinstance(node, cst.Subscript)
        and isinstance(index.parent(node), cst.AssignTarget)
        and site.key is not None
    )


def _is_clock(index: ModuleIndex, expr: cst.BaseExpression | None, scope: Scope) -> bool:
    """A call of a clock, or a local name every assignment of which is one."""
    if isinstance(expr, cst.Call):
        return index.qualified_name(expr.func) in CLOCKS
    if not isinstance(expr, cst.Name):
        return False
    function = scope.function_scope()
    values = [
        assign.value
        for assign in index.assigns
        if isinstance(assign, cst.Assign)
        and any(isinstance(t.target, cst.Name) and t.target.value == expr.value for t in assign.targets)
        and index.scope(assign).function_scope() is function
    ]
    return bool(values) and all(
        isinstance(v, cst.Call) and index.qualified_name(v.func) in CLOCKS for v in values
    )


def _accessor(index: ModuleIndex, value: cst.BaseExpression | None, scope: Scope) -> str | None:
    """How to read the timestamp back out of a stored value: ``["fetched_at"]`` or ``[1]``."""
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if (
                isinstance(element, cst.DictElement)
                and isinstance(element.key, cst.SimpleString)
                and _is_clock(index, element.value, scope)
            ):
                return f"[{element.key.value}]"
    if isinstance(value, cst.Tuple) and not any(isinstance(e, cst.StarredElement) for e in value.elements):
        for position, item in enumerate(value.elements):
            if _is_clock(index, item.value, scope):
                return f"[{position}]"
    return None


def _common_accessor(index: ModuleIndex, growth: tuple[Site, ...]) -> str | None:
    accessors = {_accessor(index, site.value, site.scope) for site in growth}
    if len(accessors) != 1:
        return None
    return accessors.pop()


def _stamp_book(
    index: ModuleIndex, container: Container, growth: tuple[Site, ...], siblings: Sequence[Container]
) -> Container | None:
    """A second dict that records, next to every write of ``container``, when it was made."""
    if not growth or container.kind not in ("dict", "OrderedDict"):
        return None
    for book in siblings:
        if book is container or book.kind not in ("dict", "OrderedDict") or book.owner is not container.owner:
            continue
        stamps = _stamps(index, book)
        if stamps and all(_paired_stamp(index, site, stamps) is not None for site in growth):
            return book
    return None


def _stamps(index: ModuleIndex, book: Container) -> list[Site]:
    """The writes ``book[k] = clock()`` (checked first: most dicts have none)."""
    return [
        site
        for site in book.of_kind("grow")
        if _subscript_write(index, site) and _is_clock(index, site.value, site.scope)
    ]


def _paired_stamp(index: ModuleIndex, site: Site, stamps: list[Site]) -> Site | None:
    """Of ``stamps``, the one in the same block as the write ``site``, with the same key."""
    statement = body_statement(index, site.node)
    if statement is None or site.key is None:
        return None
    block = index.parent(statement)
    key = code(index, site.key)
    for stamp in stamps:
        if stamp.key is not None and stamp.scope is site.scope and code(index, stamp.key) == key:
            other = body_statement(index, stamp.node)
            if other is not None and index.parent(other) is block:
                return stamp
    return None


def _book_is_private(
    index: ModuleIndex, growth: tuple[Site, ...], book: Container, stamps: list[Site]
) -> bool:
    """The timestamps change only beside the cache's writes, so both always hold the same keys."""
    if book.of_kind("shrink", "reset", "escape"):
        return False
    paired = {id(_paired_stamp(index, site, stamps)) for site in growth}
    return all(id(stamp) in paired for stamp in book.of_kind("grow"))


def _earlier(index: ModuleIndex, statement: cst.BaseStatement, stamp: Site) -> cst.BaseStatement:
    """Of the cache write and its timestamp write, the one that runs first."""
    other = body_statement(index, stamp.node)
    block = index.parent(statement)
    if other is None or not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return statement
    body = list(block.body)
    return other if body.index(other) < body.index(statement) else statement


# -- LRU and FIFO ------------------------------------------------------------------------


def _mapping(
    index: ModuleIndex, container: Container, growth: tuple[Site, ...], escapes: bool, size: int
) -> Proposal | None:
    sizer = Sizer(index, container, size)
    constant = sizer.constant()
    edits: list[Edit] = []
    is_set = container.kind == "set"
    for site in growth:
        key = site.key
        node = site.node
        if isinstance(node, cst.Subscript):
            target = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in ("add", "setdefault"):
                target = node.func.value
            elif isinstance(node.func.value, cst.Subscript):  # d[k].append(v)
                target = node.func.value.value
                key = (
                    node.func.value.slice[0].slice.value
                    if isinstance(node.func.value.slice[0].slice, cst.Index)
                    else None
                )
            else:
                return None  # update(): several keys at once
        else:
            return None
        statement = body_statement(index, node)
        bound = sizer.reference(site.scope)
        if statement is None or bound is None or not simple(key) or not simple(target):
            return None
        name, k = code(index, target), code(index, key)  # type: ignore[arg-type]
        evict = f"{name}.pop()" if is_set else f"{name}.pop(next(iter({name})))"
        guard = cst.parse_statement(f"if len({name}) >= {bound} and {k} not in {name}:\n    {evict}\n")
        edits.append(Insert(statement, (guard,)))
    if not edits:
        return None
    if constant is not None:
        edits.append(constant)
    if is_set:
        return Proposal(
            "fifo-eviction",
            "review",
            f"drop an arbitrary member when {sizer.name} is reached (sets have no order)",
            tuple(edits),
        )
    return Proposal(
        "fifo-eviction",
        "review" if escapes else "safe",
        f"evict the oldest entry when {sizer.name} is reached (dicts keep insertion order)",
        tuple(edits),
    )


def _lru(
    index: ModuleIndex,
    container: Container,
    refs: list[cst.BaseExpression],
    growth: tuple[Site, ...],
    size: int,
) -> Proposal | None:
    """A cache read through ``get``/``[]``: an OrderedDict, refreshed on every read, that drops
    the least recently used entry when full.  Only when every read and write is seen and simple."""
    if container.kind != "dict" or not _empty_dict(container.value):
        return None
    reads: list[tuple[cst.BaseExpression, cst.BaseExpression, Scope]] = []  # (target, key, scope)
    for ref in refs:
        if ref is container.target:
            continue
        parent = index.parent(ref)
        if isinstance(parent, cst.Attribute) and parent.value is ref and parent.attr.value == "get":
            call = index.parent(parent)
            if isinstance(call, cst.Call) and call.func is parent and call.args:
                reads.append((ref, call.args[0].value, index.scope(call)))
                continue
        if isinstance(parent, cst.Subscript) and parent.value is ref:
            holder = index.parent(parent)
            if isinstance(holder, (cst.AssignTarget, cst.Del)):
                continue  # a write or a delete, not a read
            key = parent.slice[0].slice.value if isinstance(parent.slice[0].slice, cst.Index) else None
            if key is None:
                return None
            reads.append((ref, key, index.scope(parent)))
    if not reads or any(not isinstance(site.node, cst.Subscript) for site in growth):
        return None
    sizer = Sizer(index, container, size)
    edits: list[Edit] = []
    for target, key, _scope in reads:
        statement = body_statement(index, target)
        if statement is None or not simple(key) or not simple(target):
            return None
        name, k = code(index, target), code(index, key)
        edits.append(
            Insert(statement, (cst.parse_statement(f"if {k} in {name}:\n    {name}.move_to_end({k})\n"),))
        )
    for site in growth:
        node = site.node
        assert isinstance(node, cst.Subscript)
        statement = body_statement(index, node)
        bound = sizer.reference(site.scope)
        if statement is None or bound is None or not simple(site.key) or not simple(node.value):
            return None
        name, k = code(index, node.value), code(index, site.key)  # type: ignore[arg-type]
        guard = f"if len({name}) >= {bound} and {k} not in {name}:\n    {name}.popitem(last=False)\n"
        edits.append(Insert(statement, (cst.parse_statement(guard),)))
    spelled = (
        "OrderedDict"
        if index.imports.get("OrderedDict", "collections.OrderedDict") == ("collections.OrderedDict")
        else None
    )
    if spelled is None:
        return None
    edits.append(Replace(container.value, cst.parse_expression("OrderedDict()")))
    edits.append(AddImport("collections", "OrderedDict"))
    constant = sizer.constant()
    if constant is not None:
        edits.append(constant)
    return Proposal(
        "lru-eviction",
        "review",
        f"an OrderedDict refreshed on each read that drops the least recently used entry at {sizer.name}",
        tuple(edits),
    )


def _empty_dict(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Dict):
        return not value.elements
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "dict"
        and not value.args
    )
