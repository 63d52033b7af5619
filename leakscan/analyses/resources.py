"""Resource ownership: who closes what ``open()`` (and its kin) returns.

For each call that opens a resource we find its owner: a ``with`` block, a
``finally`` that closes it, the caller it is returned to, or the object it is stored
on (when that object closes it).  What has no owner is closed only by the garbage
collector, if ever.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from leakscan.analyses.exprs import all_params, contains, dotted, dotted_names
from leakscan.analyses.index import ModuleIndex, Scope, descendants
from leakscan.analyses.lifetime import in_program_main
from leakscan.analyses.phases import INIT_METHODS, Phases

FILE_OPENERS = frozenset(
    {
        "builtins.open",
        "io.open",
        "io.open_code",
        "io.FileIO",
        "codecs.open",
        "gzip.open",
        "gzip.GzipFile",
        "bz2.open",
        "bz2.BZ2File",
        "lzma.open",
        "lzma.LZMAFile",
        "tokenize.open",
        "os.fdopen",
        "pathlib.Path.open",
        "tempfile.mkstemp",  # ``fd, path = mkstemp()``: a descriptor to os.close()
    }
)
RESOURCE_OPENERS = frozenset(
    {
        "socket.socket",
        "socket.create_connection",
        "socket.create_server",
        "socket.socketpair",
        "socket.fromfd",
        "subprocess.Popen",
        "sqlite3.connect",
        "aiohttp.ClientSession",
        "httpx.Client",
        "httpx.AsyncClient",
        "zipfile.ZipFile",
        "tarfile.open",
        "tarfile.TarFile",
        "urllib.request.urlopen",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryFile",
        "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory",
        "mmap.mmap",
        "selectors.DefaultSelector",
        "multiprocessing.Pool",
        "telnetlib.Telnet",
        "ftplib.FTP",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "imaplib.IMAP4",
        "imaplib.IMAP4_SSL",
        "poplib.POP3",
        "poplib.POP3_SSL",
        "ftplib.FTP_TLS",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "shelve.open",
        "dbm.open",
        "ldap.initialize",
        # database connections (DB-API and asyncio drivers) and SSH clients
        "psycopg2.connect",
        "psycopg.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "mysql.connector.connect",
        "pyodbc.connect",
        "asyncpg.connect",
        "paramiko.SSHClient",
        "pika.BlockingConnection",
        "kombu.Connection",
        # ``reader, writer = await asyncio.open_connection(...)``: the writer owns the socket
        "asyncio.open_connection",
    }
)
# Builtins that do not fail on what a program passes them (``int(text)`` does).
_PLAIN_BUILTINS = frozenset({"len", "str", "bool", "repr", "print", "isinstance", "min", "max"})
_CLOSERS = frozenset(
    {
        "close",
        "__exit__",
        "detach",
        "shutdown",
        "terminate",
        "kill",
        "release",
        "wait",
        "communicate",
        "cleanup",
        "quit",
        "logout",  # an IMAP connection
        "unbind",  # an LDAP connection
        "unbind_s",
        "unbind_ext",
        "unbind_ext_s",
    }
)
# Connections whose ``with`` block commits or rolls back and leaves them open.
COMMIT_ONLY_WITH = frozenset(
    {"sqlite3.connect", "psycopg2.connect", "pyodbc.connect", "mysql.connector.connect", "MySQLdb.connect"}
)
_STDIO = frozenset({"stdin", "stdout", "stderr"})
# Hand-offs that may only borrow the handle for the call.
_LENT = frozenset(
    {"stored in a container", "handed to another object's method", "handed to an object that owns it"}
)
# Exceptions an ``except`` may name that catch ``subprocess.TimeoutExpired``.
_CATCHES_TIMEOUT = ("TimeoutExpired", "SubprocessError", "Exception")
_REAPERS = frozenset({"os.waitpid", "os.wait4", "os.waitid"})
_STORING_METHODS = frozenset(
    {
        "append",
        "add",
        "put",
        "put_nowait",
        "extend",
        "insert",
        "setdefault",
        "push",
        "register",
        "enter_context",
    }
)
_CONSUMING_METHODS = frozenset(
    {
        "read",
        "readlines",
        "readline",
        "write",
        "writelines",
        "read_text",
        "read_bytes",
        "fileno",
        "seek",
        "truncate",
        "flush",
        "__iter__",
        "__next__",
        "buffer",
    }
)


@dataclass(eq=False)
class Resource:
    call: cst.Call
    opener: str  # qualified name of the opener
    scope: Scope
    owner: str | None  # slug of who closes it, or None
    detail: str  # why safe, or how it leaks
    leak_confidence: str = "high"  # when not owned: "high" | "medium" | "low"
    symbol: str = ""


class ResourceAnalysis:
    """Ownership of every resource-opening call in a module, for a given set of openers."""

    def __init__(self, index: ModuleIndex, openers: frozenset[str] = FILE_OPENERS) -> None:
        self.index = index
        self.resources: list[Resource] = []
        self._opener = ""  # the opener of the resource being judged
        for call in index.calls:
            opener = index.qualified_name(call.func)
            if opener not in openers and self._path_method(call.func, "open"):
                opener = "pathlib.Path.open"
            if opener in openers:
                self.resources.append(self._judge(call, opener))

    def _path_method(self, func: cst.BaseExpression, method: str) -> bool:
        """``Path(d).open()``, ``(root / name).open()``, ``p.open()`` with ``p = Path(...)``."""
        return isinstance(func, cst.Attribute) and func.attr.value == method and self._path(func.value, 0)

    def _path(self, expr: cst.BaseExpression, depth: int) -> bool:
        if depth > 3:
            return False
        if isinstance(expr, cst.Call):
            name = self.index.qualified_name(expr.func) or ""
            if name in ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"):
                return True
            # ``p.with_suffix(".bak")``, ``p.resolve()``: a path from a path.
            return isinstance(expr.func, cst.Attribute) and self._path(expr.func.value, depth + 1)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            return self._path(expr.left, depth + 1)
        if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
            return self._path(expr.value, depth + 1)
        if isinstance(expr, cst.Name):
            home = self.index.scope(expr).function_scope()
            values = []
            for use in self.index.names.get(expr.value, ()):
                holder = self.index.parent(use)
                if self.index.scope(use).function_scope() is not home:
                    continue
                if isinstance(holder, cst.AssignTarget) and holder.target is use:
                    assign = self.index.parent(holder)
                    values.append(assign.value if isinstance(assign, cst.Assign) else None)
            if expr.value in home.params and isinstance(home.node, cst.FunctionDef):
                for param in all_params(home.node):
                    if param.name.value == expr.value:  # ``def load(p: Path)``
                        annotation = param.annotation.annotation if param.annotation else None
                        known = dotted(annotation or expr) in ("Path", "pathlib.Path")
                        values.append(annotation if known else None)
            return bool(values) and all(
                v is not None and (dotted(v) in ("Path", "pathlib.Path") or self._path(v, depth + 1))
                for v in values
            )
        return False

    def _judge(self, call: cst.Call, opener: str) -> Resource:
        self._opener = opener
        scope = self.index.scope(call)
        short = display_name(opener)
        node: cst.CSTNode = call
        parent = self.index.parent(node)
        # Wrappers that take ownership inside the same expression: io.TextIOWrapper(open(...)).
        while isinstance(parent, cst.Arg):
            outer = self.index.parent(parent)
            if not isinstance(outer, cst.Call):
                break
            name = self.index.qualified_name(outer.func) or ""
            if name.rsplit(".", 1)[-1] in (
                "closing",
                "TextIOWrapper",
                "BufferedReader",
                "BufferedWriter",
                "GzipFile",
                "ExitStack",
            ):
                node, parent = outer, self.index.parent(outer)
                continue
            break
        # ``with (a if x else open(p))``, ``f or open(p)``: the outer expression decides;
        # so does ``conn = await asyncpg.connect(dsn)``.
        while isinstance(parent, (cst.IfExp, cst.BooleanOperation, cst.Await)):
            node, parent = parent, self.index.parent(parent)
        owner, detail, confidence, symbol = self._owner(node, parent, scope, short)
        if owner is None and opener == "subprocess.Popen" and not _has_pipes(call):
            # No descriptors of ours stay open, but a child nobody waits for is a zombie once
            # it exits (Python warns "subprocess is still running" when the object dies).
            if confidence == "low" or _detached(call):
                confidence = "low"
                detail += " (started without pipes, and waited for or detached on purpose)"
            elif self._windows_only(call):
                confidence = "low"
                detail += " (started without pipes, on Windows only, where an exited child leaves no zombie)"
            else:
                confidence = "medium"
                detail += " (never waited for: the child stays a zombie after it exits)"
        elif owner is None and opener.startswith("builtins.") and self.index.star_imports:
            confidence = "low"  # ``from x import *`` may have replaced the builtin
            detail += " (if this is the builtin: a star import may shadow it)"
        elif (
            owner is None and scope.function_scope().kind == "function" and in_program_main(self.index, call)
        ):
            confidence = "low"
            detail += " (in the program's main code, where the process exit closes it)"
        return Resource(call, opener, scope, owner, detail, confidence, symbol)

    def _owner(
        self, node: cst.CSTNode, parent: cst.CSTNode | None, scope: Scope, short: str
    ) -> tuple[str | None, str, str, str]:
        index = self.index
        if isinstance(parent, cst.WithItem):
            if (
                isinstance(node, cst.Call)
                and index.qualified_name(node.func) in COMMIT_ONLY_WITH
                and not self._closed_after_with(parent, scope)
            ):
                # The connection's context manager commits or rolls back; it never closes.
                return (None, f"{short} used in `with`, which commits but does not close it", "medium", "")
            return ("with", "inside with", "", "")
        if isinstance(parent, cst.Call) and _is_enter_context(parent, index):
            return ("with", "entered into an ExitStack", "", "")
        if isinstance(parent, cst.Arg):
            call = index.parent(parent)
            if isinstance(call, cst.Call) and _is_enter_context(call, index):
                return ("with", "entered into an ExitStack", "", "")
        if isinstance(parent, (cst.Return, cst.Yield, cst.Lambda)):
            return ("caller", "handed to the caller", "", "")
        if isinstance(parent, cst.Attribute) and parent.value is node:
            method = parent.attr.value
            if method in _CLOSERS:
                return ("closed", "closed at once", "", "")
            call = index.parent(parent)
            used = f".{method}()" if isinstance(call, cst.Call) and call.func is parent else f".{method}"
            return (None, f"{short} used once with {used} and never closed", "high", "")
        if isinstance(parent, cst.Arg):
            call = index.parent(parent)
            if isinstance(call, cst.Call):
                handed = self._handed_off(call, node)
                if handed is not None:
                    return ("escape", handed, "", "")
            return (None, f"{short} passed straight into a call; nothing closes it", "medium", "")
        if isinstance(parent, cst.For) and parent.iter is node:
            return (None, f"{short} iterated and never closed", "high", "")
        if isinstance(parent, cst.Assign) and parent.value is node:
            # ``f = self.f = open(p)``: any owner of any of the names will do.
            verdicts = [self._bound(t.target, scope, short) for t in parent.targets]
            owned = [v for v in verdicts if v[0] is not None]
            return owned[0] if owned else verdicts[0]
        if isinstance(parent, cst.AnnAssign) and parent.value is node:
            return self._bound(parent.target, scope, short)
        if isinstance(parent, (cst.Element, cst.DictElement)):
            literal = index.parent(parent)
            holder = index.parent(literal) if literal is not None else None
            if isinstance(holder, cst.Arg) and isinstance(index.parent(holder), cst.Call):
                # ``http.post(url, files={"photo": open(p, "rb")})``: the dict lives for the
                # call; nothing keeps or closes the file inside it.
                return (None, f"{short} passed inside a literal to a call; nothing closes it", "medium", "")
            return ("escape", "stored in a container", "", "")
        return (None, f"{short} result is not closed", "medium", "")

    def _bound(
        self, target: cst.BaseExpression, scope: Scope, short: str
    ) -> tuple[str | None, str, str, str]:
        if isinstance(target, cst.Name):
            return self._local(target.value, target, scope, short)
        if isinstance(target, cst.Attribute):
            return self._attribute(target, scope, short)
        owning = {"asyncio.open_connection": 1, "tempfile.mkstemp": 0}.get(self._opener)
        if (
            owning is not None
            and isinstance(target, cst.Tuple)
            and len(target.elements) == 2
            and isinstance(target.elements[owning].value, cst.Name)
        ):
            # ``reader, writer = ...``: closing the writer closes it; ``fd, path = mkstemp()``:
            # the descriptor needs os.close() (or os.fdopen(), which takes it over).
            handle = target.elements[owning].value
            assert isinstance(handle, cst.Name)
            return self._local(handle.value, handle, scope, short)
        return ("escape", "unpacked", "", "")

    def _handed_off(self, call: cst.Call, arg: cst.CSTNode) -> str | None:
        """Why passing the handle to ``call`` hands it to another owner, or None."""
        func = call.func
        if isinstance(self.index.parent(call), cst.WithItem):
            return "entered by a with block through a wrapper"
        if (dotted(func) or "").rsplit(".", 1)[-1] in _CLOSERS:
            return "closed by a close function"
        if (self.index.qualified_name(func) or "") in ("os.fdopen", "socket.fromfd", "mmap.mmap"):
            return "taken over by a file object"
        consumer = (isinstance(func, cst.Attribute) and self._module_function(func)) or (
            (self.index.qualified_name(func) or "").startswith("builtins.")
        )
        if not consumer and self._call_escapes(call) and not self._only_used_by(call, arg):
            return "handed to an object that owns it"
        if isinstance(func, cst.Attribute) and func.attr.value in _STORING_METHODS:
            return "stored in a container"
        if self._closed_by_helper(call, arg):
            return "closed by the function it is passed to"
        if isinstance(func, cst.Attribute) and not self._module_function(func):
            return "handed to another object's method"
        return None

    def _closed_after_with(self, item: cst.WithItem, scope: Scope) -> bool:
        """``with sqlite3.connect(p) as conn: ...`` and then ``conn.close()``."""
        alias = item.asname.name if item.asname is not None else None
        if not isinstance(alias, cst.Name):
            return False
        home = scope.function_scope()
        for use in self.index.names.get(alias.value, ()):
            attr = self.index.parent(use)
            if (
                self.index.scope(use).function_scope() is home
                and isinstance(attr, cst.Attribute)
                and attr.value is use
                and attr.attr.value == "close"
            ):
                return True
        return False

    def _only_used_by(self, call: cst.Call, arg: cst.CSTNode) -> bool:
        """``raw = fetch_parts(conn, uid)`` where ``fetch_parts`` is a function of this module
        that only calls methods on that parameter: it uses the handle, it does not keep it."""
        targets = self._callee_params(call, arg, module_level=True)
        if not targets:
            return False
        callee, param = targets[0]
        for use in self.index.names.get(param, ()):
            scope = self.index.scope(use).function_scope()
            if scope is not callee:
                if callee in _enclosing(scope):
                    return False  # a closure of the callee keeps it
                continue
            parent = self.index.parent(use)
            if isinstance(parent, cst.Param):
                continue
            if not (isinstance(parent, cst.Attribute) and parent.value is use):
                return False  # returned, stored or passed on: it may be kept
        return True

    def _callee_params(
        self, call: cst.Call, arg: cst.CSTNode, *, module_level: bool = False
    ) -> list[tuple[Scope, str]]:
        """The functions of this module ``call`` may run, each with the parameter ``arg``
        binds (methods are matched by name: ``self.helper(f)``)."""
        func = call.func
        name = func.value if isinstance(func, cst.Name) else None
        if name is None and not module_level and isinstance(func, cst.Attribute):
            name = func.attr.value
        position = next((i for i, a in enumerate(call.args) if a.value is arg and a.keyword is None), None)
        if name is None or position is None:
            return []
        found = []
        for scope in self.index.scopes:
            if scope.kind != "function" or scope.name != name:
                continue
            if module_level and scope.parent is not self.index.root:
                continue
            params = scope.params[1:] if scope.self_name or scope.cls_name else scope.params
            if position < len(params):
                found.append((scope, params[position]))
        return found

    def _module_function(self, func: cst.Attribute) -> bool:
        """``json.load`` (a function of an imported module) rather than ``source.set(...)``."""
        base = func.value
        while isinstance(base, cst.Attribute):
            base = base.value
        return isinstance(base, cst.Name) and base.value in self.index.imports

    def _closed_by_helper(self, call: cst.Call, arg: cst.CSTNode) -> bool:
        """``helper(f)`` where ``helper`` is defined here and closes that parameter."""
        for scope, param in self._callee_params(call, arg):
            for ref in self.index.names.get(param, ()):
                if self.index.scope(ref).function_scope() is not scope:
                    continue
                holder = self.index.parent(ref)
                if isinstance(holder, cst.WithItem) or (
                    isinstance(holder, cst.Attribute)
                    and holder.value is ref
                    and holder.attr.value in _CLOSERS
                ):
                    return True
        return False

    def _local(
        self, name: str, binding: cst.Name, scope: Scope, short: str
    ) -> tuple[str | None, str, str, str]:
        index = self.index
        home = scope.function_scope()
        if name in home.globals or home.kind == "module":
            return ("escape", "kept in a module global", "", name)
        closed_plain: cst.Call | None = None
        plain_closes: list[cst.Call] = []  # every close outside finally: wait(timeout), kill, ...
        passed = False
        lent: str | None = None
        for use in index.names.get(name, ()):
            if use is binding or index.scope(use).function_scope() is not home:
                continue
            parent = index.parent(use)
            if isinstance(parent, cst.WithItem):
                if self._opener in COMMIT_ONLY_WITH:
                    continue  # ``with conn:`` commits; the connection stays open
                return ("with", "entered by a later with", "", name)
            if isinstance(parent, cst.Attribute) and parent.value is use:
                if parent.attr.value == "pid" and self._reaped(parent):
                    return ("closed", "reaped with os.waitpid/os.wait4", "", name)
                if parent.attr.value in _CLOSERS:
                    call = index.parent(parent)
                    if isinstance(call, cst.Call) and call.func is parent:
                        if self.index.in_finally(call) or self._in_exit_method(call):
                            return ("finally", "closed in finally", "", name)
                        closed_plain = call
                        plain_closes.append(call)
                    else:
                        # f.close handed to atexit, weakref.finalize, a callback...
                        return ("escape", "its close() is handed off", "", name)
                continue
            if isinstance(parent, (cst.Return, cst.Yield)):
                dropped = self._dropped_on_error(binding, parent, name, home)
                if dropped is not None:
                    detail = f"{short} returned to the caller, but dropped unclosed when {dropped} is caught"
                    return (None, detail, "medium", name)
                return ("caller", "handed to the caller", "", name)
            if isinstance(parent, cst.Arg):
                call = index.parent(parent)
                if isinstance(call, cst.Call) and _is_enter_context(call, index):
                    return ("with", "entered into an ExitStack", "", name)
                if isinstance(call, cst.Call):
                    handed = self._handed_off(call, use)
                    if handed in _LENT:
                        # ``http.put(url, data=fh)`` and then ``fh.close()``: lent for the call,
                        # still ours if we close it ourselves below.
                        lent = lent or handed
                    elif handed is not None:
                        return ("escape", handed, "", name)
                passed = True
                continue
            if isinstance(
                parent, (cst.AssignTarget, cst.Assign, cst.AnnAssign, cst.Element, cst.DictElement, cst.Tuple)
            ):
                if isinstance(parent, cst.AssignTarget) and parent.target is use:
                    continue
                return ("escape", "stored elsewhere", "", name)
        if lent is not None and closed_plain is None:
            return ("escape", lent, "", name)
        if any(self._timeout_leaves_child(close, name) for close in plain_closes):
            return (
                None,
                f"{short} waited for with a timeout, and its timeout handler neither kills nor "
                "reaps the child: it keeps running with its pipes open",
                "medium",
                name,
            )
        if closed_plain is not None:
            detail = f"{short} closed, but not on the exception path (no with/finally)"
            if self._work_between(binding, closed_plain, name):
                # ``out = open(dest); copy(urlopen(url), out); out.close()``: a failed download
                # leaves the file open, on every failure.
                return (None, detail + "; the calls in between can fail and skip the close", "medium", name)
            return (None, detail, "low", name)
        if passed:
            return (None, f"{short} bound to {name!r}, passed on, and never closed", "medium", name)
        return (None, f"{short} bound to {name!r} and never closed", "high", name)

    def _dropped_on_error(self, binding: cst.Name, handed: cst.CSTNode, name: str, home: Scope) -> str | None:
        """``fh = open(p); try: flock(fh) except BlockingIOError: return None; return fh``:
        between opening and handing over, a handler leaves without closing the handle.
        Returns what that handler catches."""
        nested = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
        for node in descendants(home.node, prune=lambda n: isinstance(n, nested)):
            if not isinstance(node, cst.ExceptHandler):
                continue
            if not (self.index.before(binding, node) and self.index.before(node, handed)):
                continue
            guarded = self.index.parent(node)
            if guarded is not None and contains(guarded, binding):
                continue  # ``try: f = open(p) except OSError: return None``: the open failed
            body = self.index.module.code_for_node(node.body)
            leaves = any(isinstance(n, (cst.Return, cst.Raise)) for n in _statements(node.body))
            closes = any(f"{name}.{verb}(" in body for verb in _CLOSERS) or f"return {name}" in body
            if leaves and not closes:
                return self.index.module.code_for_node(node.type) if node.type else "an exception"
        return None

    def _timeout_leaves_child(self, close: cst.Call, name: str) -> bool:
        """``proc.communicate(timeout=t)`` in a ``try`` whose ``except TimeoutExpired`` does
        not ``proc.kill()``: the child is not killed when the timeout expires (the
        subprocess documentation says to kill it and finish the communication)."""
        func = close.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("communicate", "wait")
            and any(a.keyword is not None and a.keyword.value == "timeout" for a in close.args)
        ):
            return False
        for ancestor in self.index.ancestors(close):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                # Nothing here catches the timeout: it propagates and the child runs on.
                # (``wait(timeout=...)`` after ``terminate()`` is a shutdown's last try.)
                return func.attr.value == "communicate" or not self._stopped_before(close, name, ancestor)
            if isinstance(ancestor, cst.Try):
                for handler in ancestor.handlers:
                    caught = self.index.module.code_for_node(handler.type) if handler.type else "Exception"
                    if not any(word in caught for word in _CATCHES_TIMEOUT):
                        continue
                    # Killing is half of it: the child is a zombie, its pipes open, until
                    # someone waits (``proc.kill(); proc.communicate()``).
                    body = self.index.module.code_for_node(handler.body)
                    reaped = any(f"{name}.{verb}(" in body for verb in ("communicate", "wait"))
                    return not (reaped or "waitpid" in body)
        return False

    def _stopped_before(self, close: cst.Call, name: str, function: cst.CSTNode) -> bool:
        """``proc.terminate()`` (or kill, send_signal) comes before ``close`` in ``function``."""
        return any(
            isinstance(call.func, cst.Attribute)
            and call.func.attr.value in ("terminate", "kill", "send_signal")
            and dotted(call.func.value) == name
            and self.index.before(call, close)
            for call in self.index.calls_in(function)
        )

    def _work_between(self, binding: cst.Name, close: cst.Call, name: str) -> bool:
        """Between the statement that opens the resource and the one that closes it, in the
        same block, a call to other code runs (not a method of the resource itself, not a
        plain builtin).  A close in another branch (``try: f = open(p) ... else:
        f.close()``) is not judged: the paths differ."""
        opened = self._statement_in_block(binding)
        closing = self._statement_in_block(close)
        if opened is None or closing is None or opened[0] is not closing[0]:
            return False
        block, first, last = opened[0], opened[1], closing[1]
        for statement in block.body[first + 1 : last]:
            for call in self.index.calls_in(statement):
                func = call.func
                receiver = func.value if isinstance(func, cst.Attribute) else None
                if isinstance(receiver, cst.Attribute):
                    receiver = receiver.value  # ``p.stdout.read()``
                if isinstance(receiver, cst.Name) and receiver.value == name and self._opener in FILE_OPENERS:
                    continue  # ``f.read()``, ``f.write(data)``; but ``smtp.login()`` fails often
                if isinstance(func, cst.Name) and func.value in _PLAIN_BUILTINS:
                    continue
                return True
        return False

    def _statement_in_block(self, node: cst.CSTNode) -> tuple[cst.BaseSuite | cst.Module, int] | None:
        child = node
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, (cst.IndentedBlock, cst.Module)):
                return ancestor, list(ancestor.body).index(child)  # type: ignore[arg-type]
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                return None
            child = ancestor
        return None

    def _windows_only(self, call: cst.Call) -> bool:
        """The call sits in the body of an ``if`` that holds only on Windows."""
        child: cst.CSTNode = call
        for ancestor in self.index.ancestors(call):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                return False
            if (
                isinstance(ancestor, cst.If)
                and child is ancestor.body
                and _windows_test(self.index.module.code_for_node(ancestor.test))
            ):
                return True
            child = ancestor
        return False

    def _reaped(self, pid: cst.Attribute) -> bool:
        """``os.waitpid(p.pid, 0)``: the child is waited for by its process id."""
        arg = self.index.parent(pid)
        call = self.index.parent(arg) if isinstance(arg, cst.Arg) else None
        return isinstance(call, cst.Call) and self.index.qualified_name(call.func) in _REAPERS

    def _call_escapes(self, call: cst.Call) -> bool:
        """A call whose result outlives the statement: returned, stored, or a with item."""
        parent = self.index.parent(call)
        return isinstance(
            parent,
            (
                cst.Return,
                cst.Yield,
                cst.WithItem,
                cst.AssignTarget,
                cst.Assign,
                cst.AnnAssign,
                cst.Arg,
                cst.Element,
            ),
        )

    def _attribute(self, target: cst.Attribute, scope: Scope, short: str) -> tuple[str | None, str, str, str]:
        index = self.index
        attr = target.attr.value
        owner = scope.function_scope().class_scope
        if owner is not None and self._replaces_open_handle(target, scope.function_scope()):
            detail = (
                f"{short} stored on {attr!r} by {scope.function_scope().name}(), which runs again at run "
                "time and replaces the handle without closing the old one"
            )
            return (None, detail, "medium", attr)
        for ref in index.attributes.get(attr, ()):
            if ref is target:
                continue
            parent = index.parent(ref)
            method = index.scope(ref).function_scope()
            if owner is not None and method.class_scope is not owner:
                continue
            if isinstance(parent, cst.Attribute) and parent.value is ref and parent.attr.value in _CLOSERS:
                return ("object", f"closed in {method.name}()", "", attr)
            if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in _STDIO:
                continue  # ``Popen(..., stderr=self.log_fh)``: the child gets a copy; ours stays open
            if isinstance(parent, (cst.WithItem, cst.Return, cst.Arg)):
                return ("object", "handed on by its owner", "", attr)
        if owner is not None and _class_has_closer(self.index, owner):
            return ("object", "owned by an object with close()", "", attr)
        closing = self._closes_others(owner) if owner is not None else None
        if closing is not None:
            # ``stop()`` closes the pipes but not the log file: forgotten, not by design.
            detail = (
                f"{short} stored on {attr!r}; {closing}() closes the object's other resources, not this one"
            )
            return (None, detail, "medium", attr)
        return (None, f"{short} stored on {attr!r}; nothing closes it", "low", attr)

    def _replaces_open_handle(self, target: cst.Attribute, method: Scope) -> bool:
        """``def _open(self): self.fh = open(self.path)`` called again on rotation: each call
        drops the previous handle open.  Not ``__init__``, not under a test of the attribute
        (``if self.conn is None:``), not after closing it in the same method."""
        holder = target.value
        if (
            method.name in INIT_METHODS
            or method.self_name is None
            or not (isinstance(holder, cst.Name) and holder.value == method.self_name)
            or self.index.analysis(Phases).of(method) != "runtime"
            or not self._called_from_both(method)
        ):
            return False
        name = f"{method.self_name}.{target.attr.value}"
        for ancestor in self.index.ancestors(target):
            if ancestor is method.node:
                break
            if isinstance(ancestor, (cst.If, cst.While)) and name in dotted_names(ancestor.test):
                return False  # ``if self.conn is None: self.conn = connect()``
        for call in self.index.calls_in(method.node):
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in _CLOSERS
                and dotted(func.value) == name
                and self.index.before(call, target)
            ):
                return False  # ``self.fh.close(); self.fh = open(p)``
        return True

    def _called_from_both(self, method: Scope) -> bool:
        """``method`` is called while the object is built and again later: a reopen."""
        owner = method.class_scope
        callers = set()
        for call in self.index.calls_to(method.name):
            caller = self.index.scope(call).function_scope()
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value == caller.self_name  # ``self._open()``, not ``io.open()``
            ):
                callers.add(caller)
        built = any(c.name in INIT_METHODS and c.class_scope is owner for c in callers)
        later = any(c.name not in INIT_METHODS and c.class_scope is owner for c in callers)
        return built and later

    def _closes_others(self, owner: Scope) -> str | None:
        """The method of ``owner`` that closes some of its attributes (``self.proc.kill()``,
        ``pipe.close()`` for ``self.proc.stdout``), if any."""
        for call in self.index.calls:
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in _CLOSERS):
                continue
            method = self.index.scope(call).function_scope()
            if method.class_scope is not owner or method.self_name is None:
                continue
            receiver = dotted(func.value) or ""
            if receiver.startswith(method.self_name + "."):
                return method.name
        return None

    def _in_exit_method(self, node: cst.CSTNode) -> bool:
        scope = self.index.scope(node).function_scope()
        return scope.name in ("__exit__", "__del__", "close", "__aexit__")


def _is_enter_context(call: cst.Call, index: ModuleIndex) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in ("enter_context", "callback", "push")


def _class_has_closer(index: ModuleIndex, owner: Scope) -> bool:
    # Scopes point to their parent only: a parent listing its children would make every
    # module a reference cycle that only the garbage collector frees.
    return any(
        child.parent is owner
        and child.kind == "function"
        and child.name in ("close", "__exit__", "__del__", "cleanup", "shutdown")
        for child in index.scopes
    )


_PLATFORM_TESTS = ("sys.platform", "os.name", "platform.system")


def _windows_test(test: str) -> bool:
    """``sys.platform[:3] == 'win'``, ``os.name == "nt"``; not their negations."""
    plain = "".join(test.split())
    return (
        any(p in plain for p in _PLATFORM_TESTS)
        and any(w in plain for w in ("'win", '"win', "'nt'", '"nt"', "'Windows'", '"Windows"'))
        and "!=" not in plain
        and not plain.startswith("not")
        and "notin" not in plain
    )


def _detached(call: cst.Call) -> bool:
    """``Popen(..., start_new_session=True)`` and kin: a child meant to outlive its parent."""
    for arg in call.args:
        if arg.keyword is None:
            continue
        keyword = arg.keyword.value
        if keyword in ("start_new_session", "process_group") and not _false(arg.value):
            return True
        if keyword == "preexec_fn" and (dotted(arg.value) or "").rsplit(".", 1)[-1] in ("setsid", "setpgrp"):
            return True
        if keyword == "creationflags" and "DETACHED" in (dotted(arg.value) or "").upper():
            return True
    return False


def _false(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value in ("False", "None")


def _has_pipes(call: cst.Call) -> bool:
    """``Popen(..., stdout=PIPE)`` and the like hold descriptors in this process."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("stdin", "stdout", "stderr"):
            value = dotted(arg.value) or ""
            if value.endswith("PIPE"):
                return True
    return False


def _enclosing(scope: Scope) -> list[Scope]:
    found = []
    current = scope.parent
    while current is not None:
        found.append(current)
        current = current.parent
    return found


def display_name(opener: str) -> str:
    """``open()`` for the builtin, ``tarfile.open()``/``Path.open()`` for the others, and
    the last part for the rest (``Popen()``, ``ZipFile()``)."""
    parts = opener.split(".")
    if parts[-1] == "open" and parts[0] != "builtins":
        return ".".join(parts[-2:]) + "()"
    return parts[-1] + "()"


def _statements(body: cst.BaseSuite) -> list[cst.CSTNode]:
    """The small statements a handler's block runs directly (not in nested blocks)."""
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    found: list[cst.CSTNode] = []
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            found.extend(statement.body)
    return found
