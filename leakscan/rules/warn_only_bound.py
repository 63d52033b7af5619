"""LK103 warn-only-bound."""

from __future__ import annotations

from functools import partial

from leakscan.analyses.containers import ContainerAnalysis, judge
from leakscan.findings import Level
from leakscan.rule import FileContext, Invalid, Valid
from leakscan.rules._container_rule import (
    LIFETIME_WORDS,
    ContainerRule,
    confidence_for,
    proposal_for,
    severity_for,
)


class WarnOnlyBound(ContainerRule):
    """
    ## What it does
    Flags a long-lived container whose size is checked (`if len(self.items) >= MAX:`)
    where the check's branch does not stop the growth: it logs, warns or counts, and the
    item is added anyway.

    ## Why is this bad?
    The check looks like a bound, so reviewers stop looking, but nothing is evicted,
    dropped or refused: the container grows exactly as if the check were not there, and
    the log fills with warnings on top. This is a common "fix" for an unbounded buffer.

    A branch that evicts (`pop`, `del`, `clear`, reassignment), refuses (`return`,
    `raise`) or drops the item (`continue`) is a real bound and is not flagged. Each
    container gets one finding: when this rule reports it, LK101/LK102 do not.

    A check on one entry whose branch only reports (`if len(failures[task]) > 1000:
    log.warning(...)`) counts too: it bounds neither the entry nor the keys.

    ## Example
    ```python
    def add_message(self, message):
        if len(self.messages) >= self.MAX_BATCH_SIZE:
            logger.warning("batch full")
        self.messages.append(message)
    ```

    ## Use instead
    ```python
    def add_message(self, message):
        if len(self.messages) >= self.MAX_BATCH_SIZE:
            logger.warning("batch full, dropping the oldest message")
            self.messages.pop(0)
        self.messages.append(message)
    ```
    or `collections.deque(maxlen=MAX_BATCH_SIZE)`.

    ## References
    - [`collections.deque`](https://docs.python.org/3/library/collections.html#collections.deque)
    """

    id = "LK103"
    name = "warn-only-bound"
    severity = Level.HIGH
    message = "size check only warns; the container keeps growing"

    VALID = [
        Valid(
            """
            import logging

            logger = logging.getLogger(__name__)

            class Batch:
                MAX = 100

                def __init__(self):
                    self.messages = []

                def add(self, message):
                    if len(self.messages) >= self.MAX:
                        logger.warning("batch full, dropping %s", message)
                        return False
                    self.messages.append(message)
                    return True
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import logging

            logger = logging.getLogger(__name__)

            class MessageBatch:
                MAX_BATCH_SIZE = 1000

                def __init__(self):
                    self.messages = []

                def add_message(self, message):
                    if len(self.messages) >= self.MAX_BATCH_SIZE:
                        logger.warning("batch full")
                    self.messages.append(message)
            """,
            line=9,
            fixed="""
            import logging
            from collections import deque

            logger = logging.getLogger(__name__)

            class MessageBatch:
                MAX_BATCH_SIZE = 1000

                def __init__(self):
                    self.messages = deque(maxlen=self.MAX_BATCH_SIZE)

                def add_message(self, message):
                    if len(self.messages) >= self.MAX_BATCH_SIZE:
                        logger.warning("batch full")
                    self.messages.append(message)
            """,
        ),
        Invalid(
            """
            import warnings

            _slow_reads = []

            def record_read(key, elapsed):
                if elapsed > 0.05:
                    _slow_reads.append((key, elapsed))
                    if len(_slow_reads) % 1000 == 0:  # every thousand: a warning, no bound
                        warnings.warn(f"{len(_slow_reads)} slow reads")
            """,
            line=3,
        ),
        Invalid(
            """
            import logging
            from collections import defaultdict

            log = logging.getLogger(__name__)
            failures = defaultdict(list)

            def on_failure(task_name, error):
                history = failures[task_name]
                history.append(repr(error))
                if len(history) > 1000:  # one entry's size, and the branch only warns
                    log.warning("%s failed %d times", task_name, len(history))
            """,
            line=5,
        ),
        Invalid(
            """
            import logging
            from collections import defaultdict

            log = logging.getLogger(__name__)
            undelivered = defaultdict(list)

            def on_bounce(customer, receipt_id):
                undelivered[customer].append(receipt_id)
                if len(undelivered[customer]) > 50:
                    log.error("customer %s has 50+ undelivered receipts", customer)
            """,
            line=5,
        ),
    ]

    def check(self, ctx: FileContext) -> None:
        for container in ctx.analysis(ContainerAnalysis).containers:
            verdict = judge(container)
            if verdict.warn_only is None:
                continue
            check = verdict.warn_only
            where = check.scope.function_scope().name
            confidence, why = confidence_for(ctx, container, verdict.growth)
            message = (
                f"{LIFETIME_WORDS[container.lifetime]} {container.kind} `{container.symbol}` is size-checked "
                f"in {where}(), but the check's branch neither evicts nor refuses: it keeps growing"
            )
            if why:
                message += f" ({why})"
            ctx.report(
                self,
                container.target,
                symbol=container.symbol,
                message=message,
                confidence=confidence,
                severity=severity_for(ctx, container),
                suggestion="evict or refuse in the branch (pop the oldest, or return), or a deque(maxlen=N)",
                related=[(check.node, "size check that bounds nothing")]
                + [(s.node, f"grows here ({s.how})") for s in verdict.growth[:4]],
                kind=f"{container.kind} ({LIFETIME_WORDS[container.lifetime]})",
                proposal=partial(proposal_for, ctx, container, verdict),
            )
