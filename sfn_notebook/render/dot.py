"""Finding and running Graphviz's ``dot`` program: the only part of the package that runs it.

A ``dot`` on PATH comes first (system Graphviz, which the user chose), otherwise the executable of
the ``graphviz-pure`` package.  The graphs the package builds are :class:`StateGraph` objects, which
find that program (:func:`ensure_dot`) before they render and turn a missing one into
:class:`GraphvizNotFound`, whose message says how to install one.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SfnNotebookError

if TYPE_CHECKING:
    import graphviz

__all__ = ["GraphvizNotFound", "dot_binary", "ensure_dot", "graph_class", "pipe", "svg"]

_INSTALL_HINT = """\
cannot draw the graph: no Graphviz 'dot' program was found (there is no 'dot' on PATH and the
graphviz-pure package is not installed). Install one of:
  pip install graphviz-pure          (a self-contained 'dot', no system packages needed)
  apt-get install graphviz           (Debian, Ubuntu)
  brew install graphviz              (macOS)
  conda install -c conda-forge graphviz
The graph's DOT text is still available as `.source`."""


class GraphvizNotFound(SfnNotebookError, RuntimeError):
    """No Graphviz ``dot`` program could be found to render a graph; the message says how to get one."""

    def __init__(self, message: str = _INSTALL_HINT) -> None:
        super().__init__(message)


def _graphviz_pure() -> str | None:
    """The ``graphviz-pure`` executable installed with this Python (or for this user), else on PATH."""
    names = ("graphviz-pure.exe", "graphviz-pure") if os.name == "nt" else ("graphviz-pure",)
    folders = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        folders.append(sysconfig.get_path("scripts", user_scheme))
    folders.append(os.path.dirname(sys.executable))
    for folder in folders:
        for name in names:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return shutil.which("graphviz-pure")


def dot_binary() -> str:
    """The ``dot`` program graphs are rendered with.

    A ``dot`` on PATH (system Graphviz, which the user chose) comes first; otherwise the executable
    of the ``graphviz-pure`` package.  Raises :class:`GraphvizNotFound` when there is neither.
    """
    found = shutil.which("dot")
    if found is not None:
        return found
    pure = _graphviz_pure()
    if pure is not None:
        return pure
    raise GraphvizNotFound()


def ensure_dot() -> str:
    """Make the graphviz package able to render, and return the program it will run.

    With no ``dot`` on PATH this points ``graphviz.backend.dot_command.DOT_BINARY`` at graphviz-pure's
    executable.  A ``DOT_BINARY`` already set to another program that exists (by the user, or by an
    earlier call) is left alone.  Raises :class:`GraphvizNotFound` when no program is found.
    """
    from graphviz.backend import dot_command

    configured = os.fspath(dot_command.DOT_BINARY)
    if configured != "dot":
        existing = shutil.which(configured)
        if existing is not None:
            return existing
    binary = dot_binary()
    dot_command.DOT_BINARY = Path("dot") if binary == shutil.which("dot") else Path(binary)
    return binary


@functools.cache
def graph_class() -> type[graphviz.Digraph]:
    """The ``StateGraph`` class, made on first use so that importing this module doesn't import graphviz."""
    import graphviz

    class StateGraph(graphviz.Digraph):
        """A ``graphviz.Digraph`` that finds a ``dot`` program (:func:`ensure_dot`) before it renders.

        ``pipe()`` is quiet by default: dot's warnings (about font metrics of non-ASCII text, say)
        would otherwise be printed in the notebook each time the graph is displayed.
        """

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            ensure_dot()
            if len(args) < 5:  # `quiet` is the fifth positional parameter
                kwargs.setdefault("quiet", True)
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFound() from None

        def _repr_mimebundle_(
            self, include: Any = None, exclude: Any = None, **_kwargs: Any
        ) -> dict[str, str]:
            # shown like the package's other graphs: a viewport in HTML, and the SVG
            from ..display import graph_bundle

            return graph_bundle(lambda: self, f"<graph {self.name}>", include, exclude)

        def render(self, *args: Any, **kwargs: Any) -> Any:
            ensure_dot()
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFound() from None

    StateGraph.__module__ = __name__
    StateGraph.__qualname__ = "StateGraph"
    return StateGraph


def pipe(graph: graphviz.Graph | graphviz.Digraph, format: str) -> bytes:
    """``graph`` drawn by ``dot`` in ``format`` (``"svg"``, ``"png"``, ``"pdf"``, ...).

    Everything in the package that draws a graph comes here.  An SVG's text is made to fit its
    boxes in any font (:func:`.fonts.fit_text`).  Raises :class:`GraphvizNotFound` when there is
    no ``dot`` program.
    """
    data: bytes = graph.pipe(format=format)
    if format == "svg":
        from .fonts import fit_text

        data = fit_text(data.decode("utf-8")).encode("utf-8")
    return data


def svg(graph: graphviz.Graph | graphviz.Digraph) -> str:
    """``graph`` drawn as SVG text."""
    return pipe(graph, "svg").decode("utf-8")


def __getattr__(name: str) -> Any:
    # `StateGraph` exists once graphviz is imported; resolving it here keeps the graphs picklable
    if name == "StateGraph":
        return graph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
