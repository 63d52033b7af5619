"""LK202 method-cache-retains-self."""

from __future__ import annotations

from leakscan.analyses.memo import MemoAnalysis
from leakscan.findings import Level
from leakscan.rule import FileContext, Invalid, Rule, Valid


class MethodCacheRetainsSelf(Rule):
    """
    ## What it does
    Flags `functools.lru_cache` and `functools.cache` on an instance method.

    ## Why is this bad?
    The cache lives on the function, which belongs to the class, and `self` is part of
    every key. Each instance that ever called the method stays reachable from the cache,
    with everything it references, long after the program dropped it: forever with an
    unbounded cache, until `maxsize` newer calls push it out with a bounded one.

    A class with one object for the whole process (made at import, `FONTS =
    FontRegistry()`, or once by `main()` outside any loop) loses nothing to the cache:
    its `self` lives as long anyway. That is reported at low confidence, and an unbounded
    cache on such a method is LK201's finding instead, since its arguments still pile up.

    ## Example
    ```python
    class Client:
        @functools.lru_cache(maxsize=128)
        def profile(self, user_id):
            return self.session.get(f"/users/{user_id}").json()
    ```

    ## Use instead
    ```python
    class Client:
        def __init__(self):
            self.profile = functools.lru_cache(maxsize=128)(self._profile)

        def _profile(self, user_id):
            return self.session.get(f"/users/{user_id}").json()
    ```
    or cache at module level on the arguments that matter, or use
    `functools.cached_property` for argument-free values.

    ## References
    - [Python FAQ: how do I cache method calls?](https://docs.python.org/3/faq/programming.html#how-do-i-cache-method-calls)
    """

    id = "LK202"
    name = "method-cache-retains-self"
    family = "containers"
    severity = Level.MEDIUM
    message = "cache on an instance method keeps every `self` alive"

    VALID = [
        Valid(
            """
            import functools

            class Rates:
                @staticmethod
                @functools.lru_cache(maxsize=64)
                def convert(amount, currency):
                    return amount

                @functools.cached_property
                def table(self):
                    return load()
            """
        ),
        Valid(
            """
            import functools

            class FontRegistry:
                @functools.lru_cache(maxsize=64)
                def css_for(self, family):
                    return f"font-family: {family}"

            FONTS = FontRegistry()  # the only one: it lives as long as the cache
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import functools

            class Client:
                @functools.lru_cache(maxsize=128)
                def profile(self, user_id):
                    return fetch(user_id)
            """,
            line=4,
        ),
        Invalid(
            """
            from functools import cache

            class Report:
                @cache
                def total(self):
                    return sum(self.rows)
            """,
            line=4,
        ),
    ]

    def check(self, ctx: FileContext) -> None:
        for memo in ctx.analysis(MemoAnalysis).memos:
            if not memo.is_instance_method:
                continue
            symbol = memo.function.qualname
            bound = "forever" if memo.unbounded else "until newer calls evict them"
            message = f"`@{memo.kind}` on method {symbol}() keeps every `self` it saw alive {bound}"
            if memo.owner_made_at_import:
                message += " (its only objects are made at import or by main(), and live as long anyway)"
            ctx.report(
                self,
                memo.decorator.decorator,
                symbol=symbol,
                message=message,
                confidence=Level.LOW if memo.owner_made_at_import else Level.HIGH,
                severity=Level.HIGH if memo.unbounded else Level.MEDIUM,
                suggestion="cache per instance (self.f = lru_cache(...)(self._f)) or cache a module function",
                kind=f"@{memo.kind}",
            )
