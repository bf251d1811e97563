"""Turn the book's executed chapters into *reader's* notebooks, and pack them in a zip.

A chapter is a MyST Markdown notebook. Jupyter, JupyterLab and Colab render plain
Markdown only, so the reader's notebook converts what is MyST-only:

- cross-reference roles (``{ref}``, ``{numref}``, ``{doc}``) and glossary terms
  (``{term}``) become links to the online book; ``{glue:text}`` roles become the
  value the build computed;
- directives (admonitions, exercises and solutions, figures, math blocks) become
  Markdown: block quotes, headings, images and ``$$`` math; labels ``(name)=`` go;
- code cells keep their outputs (from the execution cache, so also when the HTML
  build was served from it); figure captions follow their cell as a Markdown line;
  ``hide-input`` cells are collapsed; a cell that fails on purpose gets a warning;
  an explorable figure (``glassbox.explore``) keeps only its static picture;
- a first cell makes the helper package ``glassbox`` importable, installing it from
  the book's repository when it is missing, and says so.

Everything the conversion needs from Sphinx (titles, section and figure numbers,
label targets) comes from a :class:`BookIndex`, so the conversion itself is plain
text processing that the tests exercise without Sphinx.
"""

from __future__ import annotations

import ast
import copy
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urljoin

import nbformat

ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}
FENCE_OPEN = re.compile(
    r"^(?P<indent>\s*)(?P<fence>:{3,}|`{3,}|~{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$"
)
PLAIN_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`{]*)$")
OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
TARGET = re.compile(r"^\s*\((?P<label>[\w:.-]+)\)=\s*$")
ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<content>[^`]+)`")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
RELATIVE_LINK = re.compile(
    r"(?P<pre>href=\"|\]\()(?P<url>(?!https?:|#|mailto:)[^\")\s]+)(?P<post>[\")])"
)
EQ_LABEL = re.compile(r"\$\$\s*\([\w:.-]+\)\s*$")

#: Tags whose effect is only visual in the book; they are dropped from reader notebooks.
HIDING_TAGS = {
    "hide-input",
    "hide-output",
    "hide-cell",
    "remove-input",
    "remove-output",
    "remove-cell",
}


@dataclass
class Target:
    """Where a label points in the online book."""

    url: str
    text: str


@dataclass
class BookIndex:
    """What the conversion knows about the book: URLs, titles and numbers."""

    base_url: str
    repository: str
    ref: str = "main"
    labels: dict[str, Target] = field(default_factory=dict)  # {ref} / {numref} targets
    docs: dict[str, Target] = field(default_factory=dict)  # docname -> page
    numbers: dict[str, str] = field(default_factory=dict)  # figure label -> "Fig. 2.1"
    chapter_numbers: dict[str, str] = field(default_factory=dict)  # docname -> "2"
    terms: dict[str, Target] = field(default_factory=dict)  # glossary term (lower case) -> entry

    def page_url(self, docname: str, anchor: str = "") -> str:
        url = f"{self.base_url.rstrip('/')}/{docname}.html"
        return f"{url}#{anchor}" if anchor else url


class ConversionError(ValueError):
    """The chapter uses MyST syntax the conversion cannot express."""


def _glue_values(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """Return ``{name: mime bundle}`` for every value the notebook glued."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            prefix = meta.get("mime_prefix", "")
            values[meta["name"]] = {
                k.removeprefix(prefix): v for k, v in output.get("data", {}).items()
            }
    return values


def _format_glue(bundle: dict, spec: str) -> str:
    text = bundle.get("text/plain", "")
    if not spec:
        return text.strip("'\"")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return format(value, spec)


class Converter:
    """Convert one chapter's Markdown cells from MyST to plain Markdown."""

    def __init__(self, index: BookIndex, docname: str, glue: dict[str, dict]):
        self.index = index
        self.docname = docname
        self.glue = glue
        self.exercise_numbers: dict[str, str] = {}
        self._exercise_count = 0

    # --- inline roles ---------------------------------------------------------------

    def _target(self, label: str, role: str) -> Target:
        key = label.lower() if role in {"ref", "numref"} else label
        if role == "doc":
            path = PurePosixPath(label)
            if not label.startswith("/"):
                path = PurePosixPath(self.docname).parent / path
            parts: list[str] = []
            for part in path.parts:
                if part == "..":
                    parts.pop()
                elif part not in {".", "/"}:
                    parts.append(part)
            doc = "/".join(parts)
            if doc not in self.index.docs:
                raise ConversionError(
                    f"{self.docname}: {{doc}} target {label!r} is not a page of the book"
                )
            return self.index.docs[doc]
        if key in self.index.labels:
            return self.index.labels[key]
        if key in self.exercise_numbers:
            return Target(f"#{key}", self.exercise_numbers[key])
        raise ConversionError(f"{self.docname}: {{{role}}} target {label!r} is unknown")

    def _role(self, match: re.Match) -> str:
        role, content = match["role"], match["content"]
        explicit = EXPLICIT.match(content)
        text, label = (explicit["text"], explicit["target"]) if explicit else (None, content)
        if role in {"ref", "doc"}:
            target = self._target(label, role)
            return f"[{text or target.text}]({target.url})"
        if role == "numref":
            target = self._target(label, role)
            number = self.index.numbers.get(label.lower(), target.text)
            if text:
                number = text.replace("%s", number.split()[-1]).replace(
                    "{number}", number.split()[-1]
                )
            return f"[{number}]({target.url})"
        if role in {"glue:text", "glue", "glue:md"}:
            name, _, spec = label.partition(":")
            if name not in self.glue:
                raise ConversionError(f"{self.docname}: glued value {name!r} was never glued")
            return _format_glue(self.glue[name], spec)
        if role == "math":
            return f"${content}$"
        if role == "term":
            entry = self.index.terms.get(label.lower())
            if entry is None:
                raise ConversionError(f"{self.docname}: {{term}} {label!r} is not in the glossary")
            return f"[{text or label}]({entry.url})"
        if role in {"abbr", "index", "sub", "sup", "kbd", "code", "command", "file"}:
            return text or label
        if role == "download":
            return text or label
        raise ConversionError(f"{self.docname}: role {{{role}}} has no plain-Markdown form here")

    def inline(self, text: str) -> str:
        text = ROLE.sub(self._role, text)
        return RELATIVE_LINK.sub(self._absolute, text)

    def _absolute(self, match: re.Match) -> str:
        url = urljoin(self.index.page_url(self.docname), match["url"])
        return f"{match['pre']}{url}{match['post']}"

    # --- block structure ------------------------------------------------------------

    def convert(self, text: str) -> str:
        lines = text.splitlines()
        out = self._blocks(lines)
        result = "\n".join(out)
        result = re.sub(r"\n{3,}", "\n\n", result).strip("\n")
        return result

    def _blocks(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            plain = PLAIN_FENCE.match(line)
            opening = FENCE_OPEN.match(line)
            if TARGET.match(line):
                i += 1
                continue
            if plain and not opening:
                end = self._closing(lines, i, plain["fence"])
                out.extend(lines[i : end + 1])
                i = end + 1
                continue
            if opening:
                end = self._closing(lines, i, opening["fence"])
                body = lines[i + 1 : end]
                options: dict[str, str] = {}
                while body and OPTION.match(body[0]):
                    m = OPTION.match(body[0])
                    options[m["key"]] = m["value"]
                    body = body[1:]
                out.extend(self._directive(opening["name"], opening["arg"].strip(), options, body))
                i = end + 1
                continue
            out.append(EQ_LABEL.sub("$$", self.inline(line)))
            i += 1
        return out

    @staticmethod
    def _closing(lines: list[str], start: int, fence: str) -> int:
        char = fence[0]
        depth = 0
        for j in range(start + 1, len(lines)):
            stripped = lines[j].strip()
            if (
                char == ":"
                and FENCE_OPEN.match(lines[j])
                and FENCE_OPEN.match(lines[j])["fence"][0] == ":"
            ):
                if len(FENCE_OPEN.match(lines[j])["fence"]) == len(fence):
                    depth += 1
                continue
            if stripped == char * len(stripped) and len(stripped) >= len(fence):
                if depth == 0:
                    return j
                depth -= 1
        return len(lines) - 1

    def _directive(
        self, name: str, arg: str, options: dict[str, str], body: list[str]
    ) -> list[str]:
        inner = self._blocks(body)
        if name in ADMONITIONS or name == "admonition":
            title = arg if name == "admonition" else ADMONITIONS[name] + (f": {arg}" if arg else "")
            quoted = [f"> **{self.inline(title)}**", ">"] + [f"> {line}".rstrip() for line in inner]
            return ["", *quoted, ""]
        if name == "exercise":
            self._exercise_count += 1
            chapter = self.index.chapter_numbers.get(self.docname)
            number = f"{chapter}.{self._exercise_count}" if chapter else str(self._exercise_count)
            label = options.get("label", "")
            if label:
                self.exercise_numbers[label.lower()] = f"Exercise {number}"
            title = f"### Exercise {number}" + (f": {self.inline(arg)}" if arg else "")
            anchor = [f'<a id="{label}"></a>', ""] if label else []
            return ["", *anchor, title, "", *inner, ""]
        if name == "solution-start":
            number = self.exercise_numbers.get(arg.lower(), arg)
            return ["", f"#### Solution to {number}", "", *inner, ""]
        if name == "solution-end":
            return [*inner]
        if name == "solution":
            number = self.exercise_numbers.get(arg.lower(), arg)
            return ["", f"#### Solution to {number}", "", *inner, ""]
        if name == "math":
            return ["", "$$", *body, "$$", ""]
        if name in {"code-block", "code", "sourcecode"}:
            return ["", f"```{arg}", *body, "```", ""]
        if name in {"figure", "image"}:
            alt = options.get("alt", " ".join(inner).strip() or "figure")
            url = self.index.page_url(self.docname)
            caption = " ".join(line.strip() for line in inner if line.strip())
            return ["", f"*Figure: {caption or alt}* ([see it in the online book]({url}))", ""]
        if name == "table":
            return ["", f"**{self.inline(arg)}**" if arg else "", "", *inner, ""]
        if name in {"margin", "sidebar", "epigraph", "topic", "div", "container"}:
            return ["", *inner, ""]
        raise ConversionError(
            f"{self.docname}: directive {{{name}}} has no plain-Markdown form here"
        )


def setup_cell(index: BookIndex) -> nbformat.NotebookNode:
    """The first cell of every reader's notebook: make ``glassbox`` importable."""
    spec = f"glassbox[digits] @ git+{index.repository}@{index.ref}"
    source = f'''# Set-up: this notebook uses the book's small helper package, glassbox.
# If it is not installed yet, this cell installs it (once) from the book's repository.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("glassbox") is None:
    print("Installing the book's helper package glassbox from {index.repository} ...")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "{spec}"])

import glassbox

print("glassbox", glassbox.__version__, "is ready.")'''
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["setup"]
    return cell


def reader_notebook(
    nb: nbformat.NotebookNode, docname: str, index: BookIndex
) -> nbformat.NotebookNode:
    """Return the reader's notebook for an executed chapter notebook ``nb``."""
    glue = _glue_values(nb)
    converter = Converter(index, docname, glue)
    page = index.page_url(docname)
    intro = nbformat.v4.new_markdown_cell(
        f"*This notebook is a chapter of the book **Glass Box**. The online version, with its "
        f"figures, cross-references and folded solutions, is at <{page}>. Run the cells from "
        f"top to bottom; the outputs you see were produced when the book was built.*"
    )
    cells = [intro, setup_cell(index)]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = converter.convert(cell.source)
            if text.strip():
                cells.append(nbformat.v4.new_markdown_cell(text))
        elif cell.cell_type == "code":
            cells.extend(_code_cell(cell, index, docname))
        else:
            cells.append(copy.deepcopy(cell))
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for number, cell in enumerate(out.cells):
        cell["id"] = f"{PurePosixPath(docname).name}-{number}"
    return out


def static_fallback(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An explorable figure's output keeps only its static picture (and plain text).

    ``glassbox.explore`` marks its outputs with ``{"glassbox": {"explorable": id}}``
    metadata. Their HTML needs the book's script; a notebook, or GitHub's view of
    one, shows the PNG of the static small multiples instead.
    """
    if not output.get("metadata", {}).get("glassbox", {}).get("explorable"):
        return output
    output["data"] = {
        k: v for k, v in output.get("data", {}).items() if k in {"image/png", "text/plain"}
    }
    return output


def without_print_figure(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A figure's output without the PDF copy the book's PDF edition prints.

    Chapters execute with PNG and PDF figures (``bookexec.PRINT_FIGURES``); a reader's
    notebook shows the PNG, so the PDF would only make it larger.
    """
    output.get("data", {}).pop("application/pdf", None)
    return output


def _code_cell(
    cell: nbformat.NotebookNode, index: BookIndex, docname: str
) -> list[nbformat.NotebookNode]:
    source = cell.source.replace(
        "from myst_nb import glue", "from glassbox.notebook import glue  # records a value"
    )
    new = nbformat.v4.new_code_cell(source)
    new.execution_count = cell.get("execution_count")
    new.outputs = [
        without_print_figure(static_fallback(o))
        for o in copy.deepcopy(cell.get("outputs", []))
        if "scrapbook" not in o.get("metadata", {})
    ]
    tags = [t for t in cell.metadata.get("tags", []) if t not in HIDING_TAGS]
    old_tags = set(cell.metadata.get("tags", []))
    if tags:
        new.metadata["tags"] = tags
    if old_tags & {"hide-input", "remove-input", "hide-cell", "remove-cell"}:
        new.metadata["jupyter"] = {"source_hidden": True}
    before: list[nbformat.NotebookNode] = []
    after: list[nbformat.NotebookNode] = []
    if "raises-exception" in tags:
        before.append(
            nbformat.v4.new_markdown_cell(
                "**The next cell fails on purpose**, to show the error. *Run All* stops there: "
                "carry on from the cell after it (in Jupyter: *Run Selected Cell and All Below*)."
            )
        )
    figure = cell.metadata.get("mystnb", {}).get("figure") or {}
    if figure.get("caption"):
        name = str(figure.get("name", "")).lower()
        number = index.numbers.get(name, "Figure")
        after.append(nbformat.v4.new_markdown_cell(f"*{number}: {figure['caption'].strip()}*"))
    return [*before, new, *after]


def validate(nb: nbformat.NotebookNode) -> None:
    """Raise if ``nb`` is not a valid notebook or still holds MyST-only syntax."""
    nbformat.validate(nb)
    problems = myst_leftovers(nb)
    if problems:
        raise ConversionError("MyST syntax left in the notebook: " + "; ".join(problems[:5]))


MYST_LEFTOVER = re.compile(
    r"\{[\w:-]+\}`|^\s*(:{3,}|`{3,})\{[\w:-]+\}|^\s*\([\w:.-]+\)=\s*$", re.MULTILINE
)


def myst_leftovers(nb: nbformat.NotebookNode) -> list[str]:
    """Return snippets of MyST-only syntax found in the notebook's Markdown cells."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for match in MYST_LEFTOVER.finditer(cell.source):
            line = cell.source[match.start() :].split("\n", 1)[0]
            found.append(line.strip()[:80])
    return found


def write_archive(
    path,
    notebooks: dict[str, nbformat.NotebookNode],
    wheel: tuple[str, bytes],
    requirements: str,
    readme: str,
    extras: dict[str, bytes] | None = None,
) -> None:
    """Write the zip a class downloads once: notebooks, wheel, requirements, README.

    ``extras`` are more files for the top folder, by name (the PDF and the EPUB).

    Members get a fixed date, so the same content gives the same bytes.
    """
    stamp = (2026, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(f"glassbox-notebooks/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)

        add("README.md", readme.encode())
        add("requirements.txt", requirements.encode())
        add(wheel[0], wheel[1])
        for name, data in sorted((extras or {}).items()):
            add(name, data)
        for name, nb in sorted(notebooks.items()):
            buffer = io.StringIO()
            nbformat.write(nb, buffer)
            add(f"notebooks/{name}", buffer.getvalue().encode())
