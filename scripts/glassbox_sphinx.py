"""Sphinx extension of the Glass Box book (loaded from _config.yml).

Adds to every executed chapter a one-line footer saying when it was executed, how
long it took and with which PyTorch, linking to the execution report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from docutils import nodes
from sphinx.application import Sphinx

REPORT = "book/appendices/execution-report"
FOOTER_CLASS = "glassbox-exec-footer"


def _torch_version() -> str:
    try:
        return version("torch")
    except PackageNotFoundError:  # pragma: no cover - torch is pinned
        return "unknown"


def add_execution_footer(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Append the execution footer to a chapter page that was executed."""
    from myst_nb.sphinx_ import NbMetadataCollector

    data = NbMetadataCollector.get_exec_data(app.env, docname)
    if not data or not data.get("succeeded"):
        return
    when = datetime.fromtimestamp(data["mtime"], tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    runtime = data.get("runtime")
    took = f" in {runtime:.1f} s" if runtime is not None else ""
    para = nodes.paragraph(classes=[FOOTER_CLASS])
    para += nodes.Text(f"Executed on {when}{took} with PyTorch {_torch_version()}. ")
    if REPORT in app.env.all_docs:
        uri = app.builder.get_relative_uri(docname, REPORT)
        para += nodes.reference("", "Execution report", refuri=uri, internal=True)
    doctree.append(para)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", add_execution_footer)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
