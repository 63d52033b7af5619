"""LK201 unbounded-memoization."""

from __future__ import annotations

from functools import partial

from leakscan.analyses.key_domain import KeyDomains
from leakscan.analyses.memo import MemoAnalysis
from leakscan.findings import Level
from leakscan.fixes.memo import bounded_lru_cache
from leakscan.rule import FileContext, Invalid, Rule, Valid


class UnboundedMemoization(Rule):
    """
    ## What it does
    Flags `functools.cache` and `functools.lru_cache(maxsize=None)` on a function that
    takes arguments. When every argument has finitely many values (typed with an `Enum`
    of the module, `bool`, `Literal[...]` or `type[...]`, named for a type such as `cls`,
    or rejected with `raise` unless it is in a fixed set), the finding has low confidence.

    ## Why is this bad?
    An unbounded memoization cache keeps one entry per distinct argument tuple for the
    life of the process. Keyed by request data (tokens, URLs, user ids, timestamps) it
    grows with traffic and never shrinks. On a function without arguments the cache
    holds a single value and is fine.

    Instance methods are reported by LK202 (method-cache-retains-self) instead.

    ## Example
    ```python
    @functools.cache
    def verify(token: str) -> Claims:
        ...
    ```

    ## Use instead
    ```python
    @functools.lru_cache(maxsize=1024)
    def verify(token: str) -> Claims:
        ...
    ```

    ## Fix safety
    Bounding the cache changes only how often the function is recomputed, not its results,
    as long as the function is pure.

    ## References
    - [`functools.lru_cache`](https://docs.python.org/3/library/functools.html#functools.lru_cache)
    """

    id = "LK201"
    name = "unbounded-memoization"
    family = "containers"
    severity = Level.HIGH
    message = "unbounded memoization cache on a function with arguments"

    VALID = [
        Valid(
            """
            import enum
            import functools
            import unicodedata

            class Role(enum.Enum):
                VIEWER = "viewer"
                ADMIN = "admin"

            @functools.cache
            def rank(role: Role) -> int:
                return list(Role).index(role)

            @functools.cache
            def normalizer(form):
                if form not in ("NFC", "NFD", "NFKC", "NFKD"):
                    raise ValueError(form)  # an exception is not cached
                return functools.partial(unicodedata.normalize, form)
            """
        ),
        Valid(
            """
            import functools

            @functools.cache
            def settings():
                return load()

            @functools.lru_cache(maxsize=256)
            def lookup(key):
                return fetch(key)

            @functools.lru_cache
            def parse(text):
                return text.split()
            """
        ),
        Valid(
            """
            import functools
            import json

            COMPRESSION = {"gz": "w:gz", "bz2": "w:bz2", "xz": "w:xz"}
            _kernel_specs = {}

            def _load_specs():
                _kernel_specs.update(json.load(open("/etc/kernels.json")))

            _load_specs()

            @functools.cache
            def tar_mode(fmt):
                return COMPRESSION[fmt]  # KeyError is not cached: three entries at most

            @functools.lru_cache(maxsize=None)
            def metric_kind(code):
                return {"c": "counter", "g": "gauge", "ms": "timer"}[code]

            @functools.cache
            def resolve_spec(name):
                if name not in _kernel_specs:  # filled once, at import
                    raise KeyError(name)
                return dict(_kernel_specs[name])
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import functools

            @functools.cache
            def verify(token):
                return decode(token)
            """,
            line=3,
            fixed="""
            import functools

            MAX_VERIFY_CACHE_SIZE = 1000

            @functools.lru_cache(maxsize=MAX_VERIFY_CACHE_SIZE)
            def verify(token):
                return decode(token)
            """,
        ),
        Invalid(
            """
            from functools import lru_cache as memo

            @memo(maxsize=None)
            def price(symbol, day):
                return fetch(symbol, day)
            """,
            line=3,
        ),
        Invalid(
            """
            import functools

            class Geo:
                @staticmethod
                @functools.lru_cache(None)
                def locate(ip):
                    return query(ip)
            """,
            line=5,
        ),
        Invalid(
            """
            import functools

            class Collector:
                @functools.lru_cache(maxsize=None)
                def metric_key(self, raw):
                    return raw.strip().lower()

            def main():
                collector = Collector()  # one object: LK201 judges the cache, not LK202
                collector.serve()
            """,
            line=4,
        ),
    ]

    def check(self, ctx: FileContext) -> None:
        for memo in ctx.analysis(MemoAnalysis).memos:
            if memo.is_instance_method and not memo.owner_made_at_import:
                continue  # LK202's: the cache keeps its objects alive, whatever it holds
            symbol = memo.function.qualname
            kind = f"@{memo.kind}"
            if not memo.unbounded:
                ctx.safe(
                    self,
                    memo.decorator.decorator,
                    symbol=symbol,
                    kind=kind,
                    verdict="bounded-lru-cache",
                    detail="lru_cache with a maxsize",
                )
            elif memo.arguments == 0:
                ctx.safe(
                    self,
                    memo.decorator.decorator,
                    symbol=symbol,
                    kind=kind,
                    verdict="no-arguments",
                    detail="the function takes no arguments: one cached value",
                )
            else:
                nested = memo.function.parent is not None and memo.function.parent.kind == "function"
                message = f"`@{memo.kind}` on {symbol}() keeps every distinct argument tuple forever"
                finite = ctx.analysis(KeyDomains).finite_parameters(memo.function)
                if finite:
                    message += " (its arguments come from a fixed set: an Enum, a type or a checked value)"
                ctx.report(
                    self,
                    memo.decorator.decorator,
                    symbol=symbol,
                    message=message,
                    confidence=Level.LOW if nested or finite else Level.HIGH,
                    suggestion="use functools.lru_cache(maxsize=N)",
                    kind=kind,
                    proposal=partial(
                        bounded_lru_cache, ctx.index, memo.decorator, memo.function, ctx.max_size
                    ),
                )
