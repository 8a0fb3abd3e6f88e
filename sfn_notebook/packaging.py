"""Turn a Python handler into a Lambda deployment package (a zip that is the same bytes for the same code).

A handler ``fn(event, context)`` already has Lambda's Python signature, so the package exposes the
function itself:

* a function of an importable module file whose imports the Lambda runtime provides ships with that
  module's source, under its dotted name (``handler = "handlers.greet"``);
* any other function — one defined in a notebook cell, or in a module that imports what Lambda lacks —
  becomes a generated ``lambda_function.py`` holding its source (its ``@sfn.task`` decorator dropped),
  the imports it needs, the simple constants it reads and the helper functions of its own module it
  calls (``handler = "lambda_function.greet"``).

What cannot work on Lambda is refused with a one-line :class:`PackagingError`: a closure, a lambda, an
async function, another decorator, a module the runtime lacks (``numpy``, ``sfn_notebook``), or a
notebook variable that is neither a module, a function nor a constant (a DataFrame, a client).

>>> from sfn_notebook.examples import greet
>>> package = package_handler(greet)
>>> package.handler, package.files
('sfn_notebook.examples.greet', ('sfn_notebook/__init__.py', 'sfn_notebook/examples.py'))
>>> package.code_sha256 == package_handler(greet).code_sha256     # same code, same bytes
True
"""

from __future__ import annotations

import ast
import base64
import builtins
import hashlib
import importlib
import inspect
import io
import os
import re
import sys
import textwrap
import types
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SfnNotebookError

__all__ = [
    "DEFAULT_RUNTIME",
    "GENERATED_MODULE",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIPPED_BYTES",
    "FunctionPackage",
    "PackagingError",
    "package_handler",
]

DEFAULT_RUNTIME = "python3.12"
GENERATED_MODULE = "lambda_function"

# Lambda's limits for a .zip deployment package uploaded directly (CreateFunction/UpdateFunctionCode)
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024

# what Lambda's Python runtimes provide beyond the standard library: the AWS SDK and its dependencies
_RUNTIME_PACKAGES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"})
# standard-library modules removed in a Python release (absent from that runtime and later ones)
_REMOVED = {
    12: frozenset({"asynchat", "asyncore", "distutils", "imp", "smtpd"}),
    13: frozenset(
        {
            "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "mailcap", "msilib", "nis",
            "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
            "lib2to3",
        }
    ),
}  # fmt: skip
_RUNTIME = re.compile(r"python3\.(\d+)\Z")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no clock in the bytes


class PackagingError(SfnNotebookError, ValueError):
    """A handler that cannot become a Lambda function; the message is one line saying why."""

    def _render_traceback_(self) -> list[str]:
        return [f"PackagingError: {self}"]


@dataclass(frozen=True)
class FunctionPackage:
    """A deployment package: ``zip_bytes`` and Lambda's ``handler`` setting (``module.function``)."""

    zip_bytes: bytes
    handler: str
    files: tuple[str, ...]
    origin: str  # where the code came from: "module handlers" or "generated from a notebook cell"
    unzipped_size: int

    @property
    def code_sha256(self) -> str:
        """What Lambda reports as the function's ``CodeSha256`` for this zip."""
        return base64.b64encode(hashlib.sha256(self.zip_bytes).digest()).decode("ascii")

    @property
    def size(self) -> int:
        return len(self.zip_bytes)

    def source(self, name: str | None = None) -> str:
        """The text of one file of the package (default: the handler's module)."""
        if name is None:
            module = self.handler.rsplit(".", 1)[0].replace(".", "/")
            name = f"{module}.py" if f"{module}.py" in self.files else f"{module}/__init__.py"
        with zipfile.ZipFile(io.BytesIO(self.zip_bytes)) as archive:
            return archive.read(name).decode("utf-8")


def package_handler(
    handler: Callable[..., Any], *, runtime: str = DEFAULT_RUNTIME, function_name: str | None = None
) -> FunctionPackage:
    """Package ``handler`` for Lambda's ``runtime``; ``function_name`` only names it in errors."""
    minor = _runtime_minor(runtime)
    label = f"the handler of {function_name}" if function_name else "the handler"
    fn = _plain_function(handler, label)
    label = f"{label} ({fn.__qualname__})"
    local_only = _local_context_uses(fn)
    if local_only:
        raise PackagingError(
            f"cannot package {label}: it uses context.{local_only[0]}, which only the local engine's "
            "context has (Lambda's has function_name, aws_request_id, get_remaining_time_in_millis()...)"
        )
    package = _module_package(fn, minor)
    if package is None:
        package = _Generated(fn, minor, label).package()
    _check_size(package, label)
    return package


# ------------------------------------------------------------------------------------------ checks


def _runtime_minor(runtime: str) -> int:
    match = _RUNTIME.match(runtime) if isinstance(runtime, str) else None
    if match is None:
        raise ValueError(f"runtime must be a Lambda Python runtime such as 'python3.12', not {runtime!r}")
    return int(match.group(1))


def _plain_function(handler: Any, label: str) -> types.FunctionType:
    if isinstance(handler, types.FunctionType):
        fn = handler
    else:
        kind = (
            "a bound method"
            if inspect.ismethod(handler)
            else f"a {type(handler).__module__}.{type(handler).__qualname__}"
        )
        raise PackagingError(
            f"cannot package {label}: it is {kind}, not a function; Lambda needs a function defined with def"
        )
    if fn.__name__ == "<lambda>":
        raise PackagingError(f"cannot package {label}: it is a lambda; define the handler with def")
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        raise PackagingError(
            f"cannot package {label} ({fn.__qualname__}): it is async, and Lambda calls Python handlers "
            "synchronously"
        )
    if fn.__code__.co_freevars:
        names = ", ".join(fn.__code__.co_freevars)
        raise PackagingError(
            f"cannot package {label} ({fn.__qualname__}): it is a closure over {names} (variables of the "
            "function that made it); define it at the top level of a cell or module"
        )
    return fn


# what the local engine's handler context adds to Lambda's (sfn_notebook.engine.states.invoke.TaskContext)
_LOCAL_CONTEXT = ("sleep", "send_task_success", "send_task_failure", "state_name", "execution_arn",
                  "retry_count", "task_token", "elapsed", "resource")  # fmt: skip


def _local_context_uses(fn: types.FunctionType) -> list[str]:
    """The members of the local engine's context that ``fn`` reads from its ``context`` argument."""
    code = fn.__code__
    if code.co_argcount < 2:
        return []
    context = code.co_varnames[1]
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    return sorted(
        {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == context
            and node.attr in _LOCAL_CONTEXT
        }
    )


def _available(module: str, minor: int) -> bool:
    """Whether ``import module`` works in the python3.<minor> Lambda runtime."""
    top = module.split(".")[0]
    if top == "__future__" or top in _RUNTIME_PACKAGES:
        return True
    if any(top in names for version, names in _REMOVED.items() if minor >= version):
        return False
    return top in sys.stdlib_module_names


def _check_size(package: FunctionPackage, label: str) -> None:
    if package.size > MAX_ZIPPED_BYTES or package.unzipped_size > MAX_UNZIPPED_BYTES:
        raise PackagingError(
            f"cannot deploy {label}: its package is {package.size / 1e6:.1f} MB zipped and "
            f"{package.unzipped_size / 1e6:.1f} MB unzipped, over Lambda's limits for a direct upload "
            f"({MAX_ZIPPED_BYTES / 1e6:.0f} MB zipped, {MAX_UNZIPPED_BYTES / 1e6:.0f} MB unzipped); "
            "keep large data out of the handler's module (read it from S3 instead)"
        )


def _zip(files: Mapping[str, bytes], handler: str, origin: str) -> FunctionPackage:
    """A zip whose bytes depend only on the files: sorted names, fixed times and modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the mode below is read
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    return FunctionPackage(
        buffer.getvalue(), handler, tuple(sorted(files)), origin, sum(len(b) for b in files.values())
    )


# ------------------------------------------------------------------------------------------ module files


def _module_package(fn: types.FunctionType, minor: int) -> FunctionPackage | None:
    """The module's own file, when it is a plain module whose every import the runtime provides."""
    name = fn.__module__
    module = sys.modules.get(name) if isinstance(name, str) else None
    path = getattr(module, "__file__", None)
    if module is None or name == "__main__" or not isinstance(path, str) or not path.endswith(".py"):
        return None
    try:
        if os.path.realpath(inspect.getsourcefile(fn) or "") != os.path.realpath(path):
            return None
    except TypeError:
        return None
    if getattr(module, fn.__name__, None) is not fn:
        return None
    with open(path, "rb") as handle:
        source = handle.read()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or not _available(node.module or "", minor)):
            return None
        if isinstance(node, ast.Import) and not all(_available(a.name, minor) for a in node.names):
            return None
    parts = name.split(".")
    is_package = os.path.basename(path) == "__init__.py"
    files = {"/".join(parts[:i]) + "/__init__.py": b"" for i in range(1, len(parts))}
    files["/".join(parts) + ("/__init__.py" if is_package else ".py")] = source
    return _zip(files, f"{name}.{fn.__name__}", f"module {name}")


# ------------------------------------------------------------------------------------------ generated


class _Generated:
    """``lambda_function.py`` built from a function's source and what it refers to."""

    def __init__(self, root: types.FunctionType, minor: int, label: str) -> None:
        self.root = root
        self.minor = minor
        self.label = label
        self.imports: set[str] = set()
        self.constants: dict[str, str] = {}
        self.functions: dict[str, str] = {}  # def name → source
        self.aliases: dict[str, str] = {}
        self.seen: set[int] = set()

    def refuse(self, reason: str) -> PackagingError:
        return PackagingError(f"cannot package {self.label}: {reason}")

    def package(self) -> FunctionPackage:
        handler_name = self.add_function(self.root, root=True)
        origin = "a notebook cell" if self.root.__module__ == "__main__" else f"module {self.root.__module__}"
        text = self.render(handler_name, origin)
        files = {f"{GENERATED_MODULE}.py": text.encode("utf-8")}
        return _zip(files, f"{GENERATED_MODULE}.{handler_name}", f"generated from {origin}")

    def add_function(self, fn: types.FunctionType, root: bool = False) -> str:
        self.seen.add(id(fn))
        try:
            source = textwrap.dedent(inspect.getsource(fn))
        except (OSError, TypeError):
            raise self.refuse(
                f"the source of {fn.__qualname__} is not available (define it in a notebook cell or a .py file)"
            ) from None
        try:
            node = ast.parse(source).body[0]
        except (SyntaxError, IndexError):
            raise self.refuse(f"the source of {fn.__qualname__} could not be read back") from None
        if not isinstance(node, ast.FunctionDef):
            raise self.refuse(f"{fn.__qualname__} is not defined by a def statement")
        for decorator in node.decorator_list:
            if not _is_registration(decorator, fn.__globals__):
                raise self.refuse(
                    f"{fn.__qualname__} is decorated with @{ast.unparse(decorator)}, which cannot be packaged "
                    "(only @sfn.task is dropped)"
                )
        if node.name in self.functions and not root:
            raise self.refuse(f"two functions named {node.name} are needed")
        lines = source.splitlines()
        self.functions[node.name] = "\n".join(lines[node.lineno - 1 : node.end_lineno]).rstrip() + "\n"
        for name in sorted(_free_names(node)):
            self.resolve(name, fn)
        return node.name

    def resolve(self, name: str, owner: types.FunctionType) -> None:
        if name.startswith("__") and name.endswith("__"):
            return
        namespace = owner.__globals__
        if name not in namespace:
            self.check_builtin(name, owner)
            return
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            self.add_import(value.__name__, name, f"the module {value.__name__}")
        elif isinstance(value, types.FunctionType) and value.__globals__ is namespace:
            if id(value) not in self.seen:
                self.add_function(_plain_function(value, f"{self.label}, through {name}"))
            if name != value.__name__:
                self.aliases[name] = value.__name__
        elif _is_constant(value):
            self.constants[name] = _literal(value)
        else:
            self.add_object_import(name, value, owner)

    def check_builtin(self, name: str, owner: types.FunctionType) -> None:
        value = getattr(builtins, name, _ABSENT)
        if value is _ABSENT:
            raise self.refuse(f"{owner.__qualname__} uses {name!r}, which is not defined")
        origin = getattr(value, "__module__", "builtins")
        if isinstance(origin, str) and origin.split(".")[0] in ("IPython", "ipykernel"):
            raise self.refuse(f"{owner.__qualname__} uses {name}, which IPython provides and Lambda does not")

    def add_import(self, module: str, name: str, what: str) -> None:
        self.check_available(module, what)
        top = module.split(".")[0]
        self.imports.add(
            f"import {module}" if name == top and module == top else f"import {module} as {name}"
        )

    def check_available(self, module: str, what: str) -> None:
        if not _available(module, self.minor):
            raise self.refuse(
                f"it uses {what}, which the python3.{self.minor} Lambda runtime does not provide "
                "(it has the standard library and boto3)"
            )

    def add_object_import(self, name: str, value: Any, owner: types.FunctionType) -> None:
        module = getattr(value, "__module__", None)
        kind = type(value).__name__
        if isinstance(module, str) and module != "__main__" and module != owner.__module__:
            source = sys.modules.get(module) or _import(module)
            for attribute in dict.fromkeys([getattr(value, "__qualname__", ""), name]):
                if attribute.isidentifier() and getattr(source, attribute, _ABSENT) is value:
                    self.check_available(module, f"{name} from the module {module}")
                    line = f"from {module} import {attribute}"
                    self.imports.add(line if attribute == name else f"{line} as {name}")
                    return
        where = "notebook variable" if owner.__module__ == "__main__" else "global"
        raise self.refuse(
            f"{owner.__qualname__} uses the {where} {name!r} ({_article(kind)} {kind}), which cannot be packaged: only "
            "modules, functions and constants (numbers, strings, lists and dicts of them) can; pass it in "
            "the state's input or create it inside the function"
        )

    def render(self, handler: str, origin: str) -> str:
        imports = sorted(i for i in self.imports if i.startswith("import "))
        imports += sorted(i for i in self.imports if i.startswith("from "))
        head = [
            f'"""The Lambda handler {handler}, generated by sfn_notebook from {origin}."""',
            "from __future__ import annotations",
        ]
        if imports:
            head.append("\n".join(imports))
        if self.constants:
            head.append("\n".join(f"{k} = {v}" for k, v in sorted(self.constants.items())))
        helpers = sorted(n for n in self.functions if n != handler)
        blocks = ["\n\n".join(head), *(self.functions[n].rstrip() for n in [*helpers, handler])]
        if self.aliases:
            blocks.append("\n".join(f"{k} = {v}" for k, v in sorted(self.aliases.items())))
        return "\n\n\n".join(blocks) + "\n"


_ABSENT = object()


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _import(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except Exception:
        return None


def _is_registration(decorator: ast.expr, namespace: Mapping[str, Any]) -> bool:
    """True for ``@sfn.task("Name")`` (the decorator that registers a handler locally)."""
    from .engine.resources import task

    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    dotted: list[str] = []
    while isinstance(target, ast.Attribute):
        dotted.append(target.attr)
        target = target.value
    if not isinstance(target, ast.Name):
        return False
    value = namespace.get(target.id, getattr(builtins, target.id, _ABSENT))
    for attribute in reversed(dotted):
        value = getattr(value, attribute, _ABSENT)
    return value is task


def _is_constant(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_is_constant(v) for v in value)
    if isinstance(value, dict):
        return all(_is_constant(k) and _is_constant(v) for k, v in value.items())
    return False


def _literal(value: Any) -> str:
    """Python source for a constant, the same text for equal values (sets are sorted)."""
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (set, frozenset)):
        inner = ", ".join(sorted(_literal(v) for v in value))
        text = "{" + inner + "}" if value else "set()"
        return f"frozenset({text if value else ''})" if isinstance(value, frozenset) else text
    return repr(value)


class _Names(ast.NodeVisitor):
    """Names a function reads and binds (scopes flattened: good enough to find its free names)."""

    def __init__(self) -> None:
        self.loads: set[str] = set()
        self.bound: set[str] = set()
        self.declared_global: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        (self.loads if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)

    def visit_arguments(self, node: ast.arguments) -> None:
        for arg in [*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg]:
            if arg is not None:
                self.bound.add(arg.arg)  # annotations are not evaluated (from __future__ import annotations)
        for default in [*node.defaults, *node.kw_defaults]:
            if default is not None:
                self.visit(default)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.bound.add(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        for statement in node.body:
            self.visit(statement)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self.visit(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bound.add(node.name)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self.bound.add(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.declared_global.update(node.names)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bound.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.bound.add(node.rest)
        self.generic_visit(node)


def _free_names(node: ast.FunctionDef) -> set[str]:
    """The names ``node``'s body and defaults read from its module (its decorators excluded)."""
    names = _Names()
    names.visit(node.args)
    for statement in node.body:
        names.visit(statement)
    return (names.loads - names.bound) | names.declared_global
