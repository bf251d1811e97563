"""Sphinx extension of the Glass Box book (loaded from _config.yml).

- Adds to every executed chapter a one-line footer saying when it was executed, how
  long it took and with which PyTorch, linking to the execution report.
- Writes every chapter's *reader's notebook* (see ``reader_notebooks.py``) to
  ``_sources/<page>.ipynb``, offers it in the page's download menu (as a download,
  not a page of JSON), adds Colab and Binder buttons that open it, and packs all
  notebooks, a wheel of the helper package and the pinned requirements into
  ``glassbox-notebooks.zip``.
- Serves the explorable figures of ``glassbox.explore``: one shared script and style
  sheet per page instead of inline copies, their pictures as files in ``_images/``.
- Makes the page shell light for a phone, offline: one style sheet, the icons as CSS,
  math drawn at build time, no render-blocking script (see "the page shell" below).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from html import escape as html_escape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from pygments.formatters import HtmlFormatter
from pygments.token import Token
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)


def is_site(app: Sphinx) -> bool:
    """Whether this build writes the web site (the EPUB builder writes HTML too)."""
    return app.builder.format == "html" and not getattr(app.builder, "name", "html").startswith(
        "epub"
    )


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


# --- reader's notebooks, launch buttons and the download-everything archive --------

ARCHIVE = "glassbox-notebooks.zip"
DOWNLOAD_JS = """document.addEventListener("DOMContentLoaded", () => {
  for (const a of document.querySelectorAll("a.btn-download-notebook-button, a.glassbox-archive")) {
    a.setAttribute("download", "");
    a.removeAttribute("target");
  }
});"""


def _repo_parts(app: Sphinx) -> tuple[str, str, str]:
    opts = app.config.html_theme_options or {}
    url = str(opts.get("repository_url", "")).rstrip("/")
    branch = str(opts.get("repository_branch", "main") or "main")
    return url, branch, app.config.glassbox_pages_branch


def _is_notebook_doc(app: Sphinx, docname: str) -> bool:
    """Whether ``docname`` is a MyST notebook of the book (a chapter or appendix page)."""
    import bookexec

    if docname not in app.env.found_docs:
        return False
    path = Path(app.env.doc2path(docname))
    return path.suffix == ".md" and bookexec.is_notebook(path)


def _notebook_docs(app: Sphinx) -> list[str]:
    """The book's notebooks, in the reading order of ``_toc.yml``."""
    import bookexec

    root = Path(app.confdir)
    docs = [str(p.relative_to(root).with_suffix("")) for p in bookexec.toc_documents(root)]
    return [doc for doc in docs if _is_notebook_doc(app, doc)]


def _is_chapter(app: Sphinx, pagename: str, doctree) -> bool:
    return doctree is not None and _is_notebook_doc(app, pagename)


def add_download_button(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """Offer the reader's notebook in the page's download menu (the theme draws it)."""
    if is_site(app) and _is_chapter(app, pagename, doctree):
        context["ipynb_source"] = pagename + ".ipynb"


def add_launch_buttons(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """Buttons that open the reader's notebook (never the .md source) in Colab or Binder."""
    if not is_site(app) or not _is_chapter(app, pagename, doctree):
        return
    repo, _, pages = _repo_parts(app)
    if not repo.startswith("https://github.com/"):
        return
    org_repo = repo.removeprefix("https://github.com/")
    notebook = f"_sources/{pagename}.ipynb"
    buttons = [
        {
            "type": "link",
            "text": "Colab",
            "tooltip": "Open this chapter's notebook in Colab",
            "icon": "_static/images/logo_colab.png",
            "label": "launch-colab",
            "url": f"https://colab.research.google.com/github/{org_repo}/blob/{pages}/{notebook}",
        },
        {
            "type": "link",
            "text": "Binder",
            "tooltip": "Open this chapter's notebook on Binder",
            "icon": "_static/images/logo_binder.svg",
            "label": "launch-binder",
            "url": f"https://mybinder.org/v2/gh/{org_repo}/{pages}?urlpath=lab/tree/{notebook}",
        },
    ]
    context.setdefault("header_buttons", []).append(
        {
            "type": "group",
            "tooltip": "Run this chapter as a notebook",
            "icon": "fas fa-rocket",
            "buttons": buttons,
            "label": "launch-buttons",
        }
    )


# --- work a no-op rebuild skips -------------------------------------------------------
#
# Some files are written after every build from inputs that rarely change (the reader
# notebooks and their archive, the style sheet bundle, the cover card). Each is written
# with a stamp, the hash of its inputs; a build whose inputs hash the same, and whose
# files are all still there, leaves them alone.


def _stamp(app: Sphinx, name: str) -> Path:
    return Path(app.outdir).parent / ".stamps" / f"{name}.sha256"


def unchanged(app: Sphinx, name: str, key: str, outputs: list[Path]) -> bool:
    """Whether ``outputs`` were written from inputs hashing to ``key`` and all exist.

    If not, the stamp goes: it is written again (:func:`stamp`) once they are.
    """
    path = _stamp(app, name)
    if path.is_file() and path.read_text() == key and all(p.is_file() for p in outputs):
        return True
    path.unlink(missing_ok=True)
    return False


def stamp(app: Sphinx, name: str, key: str) -> None:
    """Record that ``name``'s files are now written from inputs hashing to ``key``."""
    path = _stamp(app, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key)


def hash_of(*parts: str | bytes) -> str:
    """SHA-256 of ``parts``, each one delimited."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def book_index(app: Sphinx):
    """Collect what the notebook conversion needs from the Sphinx environment."""
    from reader_notebooks import BookIndex, Target

    env = app.env
    repo, branch, _ = _repo_parts(app)
    base = app.config.html_baseurl or "https://example.invalid/"
    index = BookIndex(base_url=base, repository=repo, ref=branch)
    for docname in env.found_docs:
        title = env.titles[docname].astext() if docname in env.titles else docname
        index.docs[docname] = Target(index.page_url(docname), title)
        numbers = env.toc_secnumbers.get(docname, {}).get("")
        if numbers:
            index.chapter_numbers[docname] = ".".join(map(str, numbers))
    for (kind, name), entry in env.domaindata["std"]["objects"].items():
        if kind == "term" and entry[0] in env.found_docs:
            index.terms[name.lower()] = Target(index.page_url(entry[0], entry[1]), name)
    for label, (docname, anchor, title) in env.domaindata["std"]["labels"].items():
        if docname not in env.found_docs:
            continue
        index.labels[label] = Target(
            index.page_url(docname, anchor), title or env.titles[docname].astext()
        )
        fig = env.toc_fignumbers.get(docname, {}).get("figure", {}).get(anchor)
        if fig:
            index.numbers[label] = "Figure " + ".".join(map(str, fig))
    for label, (docname, anchor) in env.domaindata["std"]["anonlabels"].items():
        if label not in index.labels and docname in env.found_docs:
            index.labels[label] = Target(index.page_url(docname, anchor), label)
    return index


def wheel_digest(root: Path) -> str:
    """Hash of what the helper package's wheel is built from."""
    files = [*sorted((root / "src").rglob("*")), root / "pyproject.toml", root / "README.md"]
    digest = hashlib.sha256()
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            digest.update(str(f.relative_to(root)).encode() + f.read_bytes())
    return digest.hexdigest()


def _wheel(app: Sphinx) -> tuple[str, bytes]:
    """Build (or reuse) a wheel of the helper package."""
    root = Path(app.confdir)
    store = Path(app.outdir).parent / ".wheel" / wheel_digest(root)[:16]
    found = sorted(store.glob("*.whl")) if store.exists() else []
    if not found:
        # Build from a copy: setuptools writes build/ and *.egg-info next to the source.
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "src-copy"
            src.mkdir()
            for name in ("pyproject.toml", "README.md"):
                shutil.copy(root / name, src / name)
            shutil.copytree(
                root / "src",
                src / "src",
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
            )
            env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--quiet",
                    "--no-deps",
                    "--no-build-isolation",
                    "--wheel-dir",
                    str(store),
                    str(src),
                ],
                check=True,
                cwd=tmp,
                env=env,
                capture_output=True,
            )
        found = sorted(store.glob("*.whl"))
    return found[0].name, found[0].read_bytes()


ARCHIVE_README = """# Glass Box: the chapters as notebooks

This folder holds every chapter of the book Glass Box as a Jupyter notebook, with
the outputs the book's build produced, and what you need to run them offline.

1. Create an environment with Python 3.11 or newer and install the packages:

       python -m venv .venv
       . .venv/bin/activate          # Windows: .venv\\Scripts\\activate
       pip install -r requirements.txt
       pip install {wheel}

   (`requirements.txt` pins the exact versions the book was built with. To save disk
   on Linux without a GPU, install `torch` and `torchvision` from PyTorch's CPU-only
   index first; see the chapter "How to use this book".)
2. Start Jupyter (`jupyter lab`) and open the notebooks in `notebooks/`, in this order:

{order}

The online book: {base}
"""


def write_reader_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """After an HTML build: the reader's notebook of every chapter, and the zip."""
    if exception is not None or not is_site(app):
        return
    import bookexec
    import nbformat
    from glassbox_print import print_editions
    from jupyter_cache import get_cache
    from reader_notebooks import reader_notebook, validate, write_archive

    index = book_index(app)
    cache = get_cache(str(Path(app.confdir) / app.config.nb_execution_cache_path))
    out = Path(app.outdir)
    docnames = _notebook_docs(app)
    key = _notebooks_key(app, index, cache, docnames)
    written = [out / "_sources" / f"{d}.ipynb" for d in docnames]
    written += [out / ARCHIVE, out / "binder" / "requirements.txt"]
    if unchanged(app, "reader-notebooks", key, written):
        logger.info(f"[glassbox] reader notebooks and {ARCHIVE} unchanged: not rewritten")
        return
    notebooks = {}
    for docname in docnames:
        nb = bookexec.read_chapter(Path(app.env.doc2path(docname)))
        try:
            _, executed = cache.merge_match_into_notebook(nb)
        except KeyError:
            logger.info(f"[glassbox] {docname}: not in the execution cache, no notebook written")
            continue
        reader = reader_notebook(executed, docname, index)
        validate(reader)
        target = out / "_sources" / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(reader, target)
        notebooks[docname.removeprefix("book/") + ".ipynb"] = reader
    if not notebooks:
        return
    wheel = _wheel(app)
    requirements = (Path(app.confdir) / "requirements.txt").read_text(encoding="utf-8")
    order = "\n".join(f"   - notebooks/{name}" for name in notebooks)
    readme = ARCHIVE_README.format(wheel=wheel[0], order=order, base=index.base_url)
    editions = print_editions(app)
    if editions:
        names = ", ".join(f"`{name}`" for name in editions)
        readme += f"\nThe whole book to read or print: {names}.\n"
    extras = {name: path.read_bytes() for name, path in editions.items()}
    write_archive(out / ARCHIVE, notebooks, wheel, requirements, readme, extras)
    binder = out / "binder"
    binder.mkdir(exist_ok=True)
    (binder / "requirements.txt").write_text(
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        + "".join(
            f"{line}\n"
            for line in requirements.splitlines()
            if line.split("==")[0]
            in {
                "torch",
                "torchvision",
                "matplotlib",
                "networkx",
                "numpy",
                "pandas",
                "scikit-learn",
                "pillow",
            }
        )
        + f"glassbox[digits] @ git+{index.repository}@{index.ref}\n",
        encoding="utf-8",
    )
    stamp(app, "reader-notebooks", key)
    logger.info(f"[glassbox] wrote {len(notebooks)} reader notebooks and {ARCHIVE}")


def _notebooks_key(app: Sphinx, index, cache, docnames: list[str]) -> str:
    """Hash of everything the reader notebooks and the archive are made from.

    The chapters' sources, the execution cache's records (a chapter executed again
    gets a new one), what the book knows of its pages (titles, numbers, labels,
    addresses), the conversion's own code, the helper package, the pinned
    requirements and the print editions. The same hash means the same files, so a
    no-op build does not spend seconds writing them again.
    """
    import dataclasses

    import bookexec
    import reader_notebooks
    from glassbox_print import print_editions

    root = Path(app.confdir)
    parts: list[str | bytes] = []
    for docname in docnames:
        parts += [docname, Path(app.env.doc2path(docname)).read_bytes()]
    records = cache.list_cache_records()
    parts += sorted(f"{r.hashkey} {r.uri} {r.created.isoformat()}" for r in records)
    parts.append(json.dumps(dataclasses.asdict(index), sort_keys=True))
    code = (reader_notebooks, bookexec, sys.modules[__name__])
    parts += [Path(module.__file__).read_bytes() for module in code]
    parts += [wheel_digest(root), (root / "requirements.txt").read_bytes()]
    for name, path in print_editions(app).items():
        parts += [name, f"{path.stat().st_size} {path.stat().st_mtime_ns}"]
    return hash_of(*parts)


# --- small repairs of the theme's output ---------------------------------------------


def default_theme_mode(app: Sphinx, config) -> None:
    """Give the theme an explicit colour mode.

    Without one, pages carry an empty mode and the theme logs a console error
    ("Got invalid theme mode") on every page load.
    """
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


TOGGLE_SUMMARY = '<summary><span class="toctree-toggle" role="presentation">'


FIXED_IDS = re.compile(r'id="(exercise-content|solution-content)"')


def _unique_ids(text: str) -> str:
    """Number sphinx-exercise's fixed body ids, which repeat on every page with several."""
    counts: dict[str, int] = {}

    def number(match: re.Match) -> str:
        name = match[1]
        counts[name] = counts.get(name, 0) + 1
        return f'id="{name}-{counts[name]}"'

    return FIXED_IDS.sub(number, text)


INLINE_SCRIPT = re.compile(r"^\s*<script>[^\n]*</script>\s*$")
# sphinx-togglebutton and sphinx-exercise put the title of a folded block in a <p>
# inside <summary>, where HTML allows phrasing content only.
SUMMARY = re.compile(r"<summary\b[^>]*>.*?</summary>", re.DOTALL)
SUMMARY_PARAGRAPH = re.compile(r"<p(\s[^>]*)?>(.*?)</p>", re.DOTALL)
# napoleon renders several return values as a list inside a <p> (invalid HTML).
LIST_IN_PARAGRAPH = re.compile(r'<p>(<ul class="simple">.*?</ul>)\s*</p>', re.DOTALL)
# ... and a description of several paragraphs inside one more <p>.
BLOCKS_IN_FIELD = re.compile(
    r'(<dd class="field-\w+">)<p>(?=<p>|<ul)(.*?)\n</p>\n(</dd>)', re.DOTALL
)
# pandas puts a <style> for its tables inside every table's output; HTML allows style
# sheets in <body> only if they style what follows them, which pandas' rules do not
# promise. They only align header cells, which the theme's table style already does.
PANDAS_STYLE = re.compile(
    r"<style(?: scoped)?>\s*\.dataframe tbody tr th:only-of-type \{.*?</style>\s*", re.DOTALL
)


def repair_pages(app: Sphinx, exception: Exception | None) -> None:
    """Fix faults of the theme's HTML in every written page.

    - The sidebar's expand/collapse toggles are an empty ``<summary>`` with an
      icon, which screen readers announce without a name (axe: ``summary-name``).
    - sphinx-thebe's and sphinx-togglebutton's inline settings are emitted twice;
      a repeated ``const`` declaration is a JavaScript error in the console.
    - sphinx-exercise gives every exercise and solution body the same ``id``.
    - Folded blocks have a ``<p>`` inside their ``<summary>`` (invalid HTML); the
      API reference has lists and paragraphs inside paragraphs; pandas tables carry
      a ``<style>`` in the body that HTML does not allow there.
    """
    if exception is not None or not is_site(app):
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = repair_html(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def repair_html(text: str) -> str:
    """One page's HTML with the faults :func:`repair_pages` lists fixed (also the EPUB's)."""
    labelled = TOGGLE_SUMMARY.replace(
        "<summary>", '<summary aria-label="Show or hide the sections of this chapter">'
    )
    seen: set[str] = set()
    lines = []
    for line in text.split("\n"):
        if INLINE_SCRIPT.match(line):
            if line.strip() in seen:
                continue
            seen.add(line.strip())
        lines.append(line)
    fixed = "\n".join(lines).replace(TOGGLE_SUMMARY, labelled)
    fixed = _unique_ids(fixed)
    fixed = SUMMARY.sub(lambda m: SUMMARY_PARAGRAPH.sub(r"<span\1>\2</span>", m[0]), fixed)
    fixed = LIST_IN_PARAGRAPH.sub(r"\1", fixed)
    fixed = BLOCKS_IN_FIELD.sub(r"\1\2\n\3", fixed)
    return PANDAS_STYLE.sub("", fixed)


DESCRIPTION_LENGTH = 155  # what search engines show of a description


def page_description(doctree: nodes.document | None, fallback: str) -> str:
    """The page's first paragraph of prose, shortened to a search-result snippet."""
    text = ""
    if doctree is not None:
        for paragraph in doctree.findall(nodes.paragraph):
            if any(
                isinstance(a, (nodes.Admonition, nodes.container, nodes.table))
                for a in _ancestors(paragraph)
            ):
                continue
            text = " ".join(paragraph.astext().split())
            if len(text) >= 40:
                break
    text = text or fallback
    if len(text) > DESCRIPTION_LENGTH:
        text = text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def add_description(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """A ``<meta name="description">`` on every page, from its first paragraph."""
    book = app.config.html_title or app.config.project
    fallback = f"{context.get('title', '')}: {book}".strip(": ")
    description = html_escape(page_description(doctree, fallback), quote=True)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="description" content="{description}" />'
    )


# Files the themes ship in _static that are templates, not assets: published, a
# checker reads them as broken pages.
THEME_TEMPLATES = ("webpack-macros.html", "sbt-webpack-macros.html")
ROOT_REDIRECT = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>{title}</title>
<meta http-equiv="Refresh" content="0; url={target}" />
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def tidy_site(app: Sphinx, exception: Exception | None) -> None:
    """Remove theme templates from ``_static``; make the root redirect a valid page."""
    if exception is not None or not is_site(app):
        return
    out = Path(app.outdir)
    for name in THEME_TEMPLATES:
        (out / "_static" / name).unlink(missing_ok=True)
    root = out / "index.html"
    if app.config.root_doc != "index" and root.exists():
        target = f"{app.config.root_doc}.html"
        title = html_escape(app.config.html_title or app.config.project)
        root.write_text(ROOT_REDIRECT.format(title=title, target=target), encoding="utf-8")


class TeachingPlanDirective(SphinxDirective):
    """``{teaching-plan}``: the teachers' guide's sessions, from teaching-plan.yml.

    The plan is checked against ``_toc.yml`` and the chapters' exercises first
    (``teaching_plan.problems``); any disagreement stops the build.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        import teaching_plan

        root = Path(self.env.srcdir)
        plan_file = root / teaching_plan.PLAN.relative_to(teaching_plan.ROOT)
        self.env.note_dependency(str(plan_file))
        chapters = teaching_plan.book_chapters(root)
        for chapter in chapters.values():
            self.env.note_dependency(str(root / f"{chapter.doc}.md"))
        plan = teaching_plan.load(plan_file)
        problems = teaching_plan.problems(plan, chapters)
        if problems:
            raise self.error("the teaching plan disagrees with the book:\n" + "\n".join(problems))
        text = teaching_plan.render(plan, chapters)
        container = nodes.container()
        nested_parse_with_titles(
            self.state, StringList(text.splitlines(), plan_file.name), container
        )
        return container.children


# --- explorable figures (glassbox.explore) ---------------------------------------

EXPLORE_MARKER = "data-glassbox-explore"
EXPLORE_RUNTIME = re.compile(r"<(script|style) data-glassbox-runtime>.*?</\1>", re.DOTALL)
EXPLORE_IMAGE = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
EXPLORE_FALLBACK = re.compile(r'<div class="gbx-fallback">.*?</div>', re.DOTALL)


def _explorables(doctree) -> list[nodes.raw]:
    if doctree is None:
        return []
    return [
        node
        for node in doctree.findall(nodes.raw)
        if "html" in node.get("format", "").split() and EXPLORE_MARKER in node.astext()
    ]


def ship_explorables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Make each explorable figure of a page light: shared script, pictures as files.

    A figure's notebook output carries its script, its style and its pictures
    inline. In the book the page loads ``glassbox-explore.js`` and ``.css`` once
    (see :func:`load_explore_assets`), so the inline copies go; every picture is
    written to ``_images/`` under the hash of its bytes (like any figure), and the
    static fallback is wrapped in ``<noscript>``, fetched only where scripts do
    not run.
    """
    if not is_site(app):
        return
    found = _explorables(doctree)
    if not found:
        return
    from sphinx.util.osutil import relative_uri

    images = Path(app.outdir) / "_images"
    images.mkdir(parents=True, exist_ok=True)
    prefix = relative_uri(app.builder.get_target_uri(docname), "_images/")

    def to_file(match: re.Match) -> str:
        data = base64.b64decode(match[1])
        name = hashlib.sha256(data).hexdigest() + ".png"
        target = images / name
        if not target.exists():
            target.write_bytes(data)
        return f'src="{prefix}{name}"'

    for node in found:
        text = EXPLORE_RUNTIME.sub("", node.astext())
        text = EXPLORE_IMAGE.sub(to_file, text)
        text = EXPLORE_FALLBACK.sub(lambda m: f"<noscript>{m[0]}</noscript>", text)
        node.children = [nodes.Text(text)]


def load_explore_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """Load the explorable figures' script and style sheet on the pages that have one."""
    if is_site(app) and _explorables(doctree):
        app.add_css_file("glassbox-explore.css")
        app.add_js_file("glassbox-explore.js", loading_method="defer")


def write_explore_assets(app: Sphinx, exception: Exception | None) -> None:
    """Write the explorable figures' shared script and style sheet to ``_static``."""
    if exception is not None or not is_site(app):
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    for name, text in explore_assets(app).items():
        (static / name).write_text(text, encoding="utf-8")


#: The explorable figures' script and style sheet as served, by the name of their file
#: in the helper package (what ``glassbox.explore.runtime_assets`` returns).
EXPLORE_FILES = {"glassbox-explore.js": "explore.js", "glassbox-explore.css": "explore.css"}


def explore_assets(app: Sphinx) -> dict[str, str]:
    """The explorable figures' runtime, read from the helper package's source.

    Not imported: importing ``glassbox`` imports torch, two seconds of every build.
    """
    folder = Path(app.confdir) / "src" / "glassbox" / "_static"
    return {name: (folder / f).read_text(encoding="utf-8") for name, f in EXPLORE_FILES.items()}


# --- the page shell: one style sheet, icons as CSS, no render-blocking script -------
#
# The theme's default <head> asks for ten style sheets and a dozen scripts before the
# first paint, among them fontawesome.js (1.5 MB, to draw some twenty icons), the whole
# search index, and MathJax (260 KB, then seconds of typesetting on a phone). Instead
# every page gets (issue 21; tests/test_page_shell.py, tests/test_browser.py):
# - one style sheet, ``_static/glassbox.css`` (write_bundle): the theme's and every
#   extension's style sheets in their order, ``url(...)`` rebased, without the rules
#   that match nothing on the site (prune_css), plus one rule per Font Awesome icon the
#   pages use, drawn with the path data of the theme's own fontawesome.js (icon_css),
#   and Font Awesome's font cut down to the few glyphs the theme draws in CSS;
#   templates/static/webpack-macros.html links it in place of the theme's sheets and
#   of fontawesome.js;
# - scripts that never block rendering (light_shell): Sphinx's few lines of
#   DOCUMENTATION_OPTIONS inline, every script file deferred (in order; the inline
#   settings still run first); the search index only on the search page
#   (templates/layout.html);
# - math drawn at build time as SVG by the book's own MathJax under Node.js
#   (MathRenderer), or, without Node.js, MathJax in the browser, deferred, only on
#   pages with math, without its context menu (lean_mathjax).

BUNDLE = "_static/glassbox.css"
EXPLORE_CSS = "_static/glassbox-explore.css"
DOC_OPTIONS = "_static/documentation_options.js"
_THEME_MACROS = ("theme", "pydata_sphinx_theme", "static", "webpack-macros.html")
# Font Awesome's own prefixes: which pack (set of icons) a class name means.
FA_PACKS = {
    "fa": "fas",
    "fas": "fas",
    "fa-solid": "fas",
    "far": "far",
    "fa-regular": "far",
    "fab": "fab",
    "fa-brands": "fab",
}
FA_PACK_CLASSES = {
    pack: [name for name, p in FA_PACKS.items() if p == pack] for pack in ("fas", "far", "fab")
}
FA_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
CLASS_ATTR = re.compile(r'\bclass="([^"]*)"')
FA_PACK_BODY = re.compile(r"var p=\{(.*?)\}.*?\bd\(\"(fa[srb])\",p\)", re.DOTALL)
FA_ICON = re.compile(r'(?:"([^"]+)"|([\w$]+)):\[(\d+),(\d+),\[([^\]]*)\],"[^"]*","([^"]*)"\]')
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^"'()\s]+))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)["']?\s*\)?\s*;""")
# pydata-sphinx-theme's style sheet also carries Font Awesome's web font: a `content`
# rule per icon (70 KB; glassbox.css draws the icons of the pages itself), and the
# font, for the few icons the theme draws in CSS (subset_icon_fonts).
FA_GLYPHS = re.compile(r"(?:\.fa-[\w-]+:(?:before|after),?)+\{content:\"[^\"]*\"\}")


# The themes style the <svg> that fontawesome.js puts in place of each <i>; here the
# same rules for the <i>, which stays. Every theme selector with an `svg` is in one of
# these two tables (tests/test_page_shell.py checks the theme's style sheets).
ICON_SVG_RULES = {
    ".bd-header-article .btn svg": ".bd-header-article .btn [class*=fa-]::before{width:1.3rem}",
    "#pst-search-dialog[open] form.bd-search svg": (
        "#pst-search-dialog[open] form.bd-search [class*=fa-]{font-size:var(--pst-font-size-icon)}"
    ),
    # Below 960 px the sidebar's search button shows its icon alone.
    ".search-button-field>:not(svg)": ".search-button-field>[class*=fa-]{display:inline-block}",
    "ul.navbar-icon-links svg.fa-brands": (
        "ul.navbar-icon-links :is(.fa-brands,.fa-regular,.fa-solid)"
        "{font-size:var(--pst-font-size-icon);font-style:normal;vertical-align:middle}"
    ),
    "ul.navbar-icon-links svg.fa-regular": "",  # in the rule above
    "ul.navbar-icon-links svg.fa-solid": "",
}
OTHER_SVG_SELECTORS = {  # pictures that are <svg> themselves, not icons
    "svg",  # img,svg{vertical-align:middle}
    "html[data-theme=dark] pre.mermaid>svg",
    "button.copybtn svg",
    "details.sd-dropdown summary.sd-card-header span.sd-summary-icon svg",
    "details.sd-dropdown summary.sd-summary-title .sd-summary-icon svg",
    "details.sd-dropdown summary.sd-summary-title .sd-summary-state-marker svg",
    "details.sd-dropdown summary.sd-summary-title:hover .sd-summary-state-marker svg",
}


def _pydata_file(*parts: str) -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent.joinpath(*parts)


def theme_stylesheets() -> list[str]:
    """The style sheets the theme's ``head_pre_assets`` macro links, in order."""
    text = _pydata_file(*_THEME_MACROS).read_text(encoding="utf-8")
    macro = re.search(r"macro head_pre_assets\(\).*?endmacro", text, re.DOTALL)
    return re.findall(r"pathto\('(_static/[^']+\.css)'", macro[0]) if macro else []


def bundle_sources(app: Sphinx) -> list[str]:
    """Every local style sheet a page may link, in cascade order, bundled into one."""
    builder = app.builder
    sheets = getattr(builder, "_orig_css_files", None) or builder._css_files
    names = [*theme_stylesheets()]
    names += [os.fspath(c.filename or "") for c in sheets]
    names = [n for n in names if n and "://" not in n]
    names.append(EXPLORE_CSS)  # added by load_explore_assets on some pages only
    return list(dict.fromkeys(names))


def _css_source(app: Sphinx, name: str) -> str:
    path = Path(app.outdir) / name
    if path.is_file():
        return path.read_text(encoding="utf-8")
    if name == EXPLORE_CSS:  # written at the end of the build
        return explore_assets(app)[Path(name).name]
    return ""


def _rebase(css: str, source: str, target_dir: str) -> str:
    """Rewrite relative ``url(...)`` of ``source`` (a path in the site) for ``target_dir``."""

    def fix(match: re.Match) -> str:
        url = next(group for group in match.groups() if group is not None).strip()
        if re.match(r"^(?:[a-z]+:|/|#)", url):
            return match[0]
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), url))
        return f'url("{posixpath.relpath(resolved, target_dir)}")'

    return CSS_URL.sub(fix, css)


def _flatten(app: Sphinx, name: str, target_dir: str, seen: set[str]) -> str:
    """A style sheet with its local ``@import``s inlined and its URLs rebased."""
    if name in seen:
        return ""
    seen.add(name)
    text = _css_source(app, name)
    text = re.sub(r"@charset\s+\"[^\"]*\";", "", text)
    text = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", text)

    imports: list[str] = []

    def hold(match: re.Match) -> str:  # rebase this file's URLs, not the imported ones
        imports.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), match[1])))
        return f"\0{len(imports) - 1}\0"

    text = _rebase(CSS_IMPORT.sub(hold, text), name, target_dir).strip()
    text = re.sub(r"\0(\d+)\0", lambda m: _flatten(app, imports[int(m[1])], target_dir, seen), text)
    return f"/* {name} */\n{text}\n"


def _digest(app: Sphinx) -> str:
    """A version for the bundle's URL, from its sources, the themes and this file."""
    cached = getattr(app, "_glassbox_css_digest", None)
    if cached:
        return cached
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in bundle_sources(app):
        digest.update(name.encode() + _css_source(app, name).encode())
    for package in ("pydata-sphinx-theme", "sphinx-book-theme", "sphinx-mathjax-offline"):
        digest.update(version(package).encode())
    app._glassbox_css_digest = digest.hexdigest()[:16]
    return app._glassbox_css_digest


def fontawesome_icons(script: str) -> dict[tuple[str, str], tuple[int, int, str]]:
    """``{(pack, name): (width, height, path)}`` from the theme's ``fontawesome.js``.

    Each pack (``fas``, ``far``, ``fab``) is an object literal of ``name: [width,
    height, aliases, unicode, path]`` handed to ``d("fas", p)``; aliases (old names)
    map to the same drawing.
    """
    icons: dict[tuple[str, str], tuple[int, int, str]] = {}
    for body, pack in FA_PACK_BODY.findall(script):
        for quoted, bare, width, height, aliases, path in FA_ICON.findall(body):
            drawing = (int(width), int(height), path)
            for name in [quoted or bare, *re.findall(r'"([^"]+)"', aliases)]:
                icons.setdefault((pack, name), drawing)
    return icons


def used_icons(html_pages, scripts, icons) -> set[tuple[str, str]]:
    """The (pack, name) of every icon named in the pages' class attributes or in
    the given scripts (icons that the theme's JavaScript switches to)."""
    found: set[tuple[str, str]] = set()

    def add(classes: list[str], pack: str) -> None:
        for cls in classes:
            name = cls.removeprefix("fa-")
            if cls.startswith("fa-") and (pack, name) in icons:
                found.add((pack, name))

    for text in html_pages:
        for attr in CLASS_ATTR.findall(text):
            classes = attr.split()
            packs = [FA_PACKS[c] for c in classes if c in FA_PACKS]
            if packs or any(c.startswith("fa-") for c in classes):
                add(classes, packs[-1] if packs else "fas")
    for text in scripts:
        add(FA_CLASS.findall(text), "fas")
    return found


def _svg_url(width: int, height: int, path: str) -> str:
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'>"
        f"<path d='{path}'/></svg>"
    )
    return 'url("data:image/svg+xml,' + svg.replace("<", "%3C").replace(">", "%3E") + '")'


def icon_css(used, icons, notice: str) -> str:
    """CSS that draws each used icon in the text colour, at Font Awesome's sizes."""
    every = [cls for pack in ("fas", "far", "fab") for cls in FA_PACK_CLASSES[pack]]
    lines = [
        f"/* Icons: {notice} */",
        ",".join(f".{c}::before" for c in every)
        + '{content:"";display:inline-block;width:var(--gb-icon-width,1em);height:1em;'
        "vertical-align:-.125em;background-color:currentColor;"
        "-webkit-mask:var(--gb-icon) center/contain no-repeat;"
        "mask:var(--gb-icon) center/contain no-repeat;forced-color-adjust:none}",
    ]
    for pack, name in sorted(used):
        width, height, path = icons[(pack, name)]
        selectors = ",".join(f".{c}.fa-{name}" for c in FA_PACK_CLASSES[pack])
        lines.append(
            f"{selectors}{{--gb-icon:{_svg_url(width, height, path)};"
            f"--gb-icon-width:{round(width / height, 4)}em}}"
        )
    lines += [rule for rule in ICON_SVG_RULES.values() if rule]
    return "\n".join(lines) + "\n"


MATHJAX_OFFLINE = "mathjax/tex-chtml.js"  # what sphinx-mathjax-offline sets
MATHJAX = "mathjax/startup.js"
MATHJAX_LOAD = ["input/tex", "output/chtml", "a11y/assistive-mml"]


def lean_mathjax(app: Sphinx, config) -> None:
    """MathJax from the book's own copy, without its 108 KB (gzip) context menu.

    sphinx-mathjax-offline points Sphinx at ``tex-chtml.js``, which bundles the TeX
    input, the HTML output, the hidden MathML that screen readers read and the
    right-click menu. The loader (``startup.js``) with the first three is half the
    transfer. Sphinx still adds MathJax only to pages with math, deferred.
    """
    if config.mathjax_path != MATHJAX_OFFLINE:
        return
    config.mathjax_path = MATHJAX
    settings = dict(config.mathjax3_config or {})
    settings.setdefault("loader", {"load": MATHJAX_LOAD})
    config.mathjax3_config = settings


# MathJax at build time: every formula of the book becomes an SVG in the page (glyphs
# shared per page), with the hidden MathML that screen readers read. The reader's
# browser downloads and runs no MathJax, and the text never moves when math appears.
# It takes Node.js; without it the book falls back to MathJax in the browser (above).
MATH_SERVER_JS = r"""
const mathjax = process.argv[1];
require(mathjax + '/node-main.js').init({
  loader: {paths: {mathjax}, load: ['input/tex', 'output/svg', 'a11y/assistive-mml']},
  tex: {packages: {'[-]': ['noundefined']}, formatError: (jax, err) => { throw err; }},
  svg: {fontCache: 'global'},
  startup: {typeset: false},
}).then((MathJax) => {
  const adaptor = MathJax.startup.adaptor;
  const send = (reply) => process.stdout.write(JSON.stringify(reply) + '\n');
  let queue = Promise.resolve();
  require('readline').createInterface({input: process.stdin}).on('line', (line) => {
    const ask = JSON.parse(line);
    queue = queue.then(async () => {
      try {
        if (ask.defs) {  // the glyphs drawn since the last call, then forget them
          const cache = MathJax.startup.output.fontCache;
          send({html: adaptor.innerHTML(cache.getCache())});
          cache.clearCache();
        } else if (ask.css) {
          send({html: adaptor.textContent(MathJax.svgStylesheet())});
        } else {
          const node = await MathJax.tex2svgPromise(ask.tex, {display: ask.display});
          send({html: adaptor.outerHTML(node)});
        }
      } catch (err) {
        send({error: String((err && err.message) || err)});
      }
    });
  });
  send({ready: true});
}).catch((err) => { console.error(String(err)); process.exit(1); });
"""
# Attributes MathJax writes that HTML does not define (the W3C checker rejects them),
# and a tab stop on display math, which scrolls sideways when wider than the column
# (as MathJax's own menu gives every formula one).
MATH_CLEANUP = (
    ('focusable="false" ', ""),
    (' unselectable="on"', ""),
    ('jax="SVG" display="true"', 'jax="SVG" display="true" tabindex="0"'),
)


# MathJax wraps each glyph of a token (<mi>, <mo>, ...) in its own <g>; the glyph alone
# draws the same, with a tenth fewer elements on a page of formulas.
MATH_TOKEN = r'<g data-mml-node="(?:mi|mo|mn|mtext)"'
MATH_FLATTEN = (
    (re.compile(MATH_TOKEN + r">(<use [^>]*></use>)</g>"), r"\1"),
    (
        re.compile(MATH_TOKEN + r' transform="([^"]*)"><use ((?:(?!transform=)[^>])*)></use></g>'),
        r'<use transform="\1" \2></use>',
    ),
)


class MathRenderer:
    """TeX to SVG with the book's own MathJax, in one Node.js process per build."""

    def __init__(self, mathjax: Path) -> None:
        self.mathjax = mathjax
        self.proc: subprocess.Popen | None = None
        self.pid = 0

    def ask(self, **request) -> dict:
        if self.proc is None or self.pid != os.getpid():  # a forked writer starts its own
            self.proc = subprocess.Popen(
                ["node", "-e", MATH_SERVER_JS, str(self.mathjax)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
            self.pid = os.getpid()
            if "ready" not in json.loads(self.proc.stdout.readline() or "{}"):
                raise RuntimeError("MathJax (Node.js) did not start")
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline() or '{"error": "MathJax stopped"}')

    def html(self, **request) -> str:
        reply = self.ask(**request)
        if "error" in reply:
            raise ValueError(reply["error"])
        text = reply["html"]
        if "tex" in request:
            for old, new in MATH_CLEANUP:
                text = text.replace(old, new)
            for pattern, replacement in MATH_FLATTEN:
                text = pattern.sub(replacement, text)
        return text

    def close(self) -> None:
        if self.proc is not None and self.pid == os.getpid():
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        self.proc = None


def _mathjax_copy(app: Sphinx) -> Path | None:
    extension = app.extensions.get("sphinx-mathjax-offline")
    if extension is None:
        return None
    folder = Path(extension.module.__file__).parent / "static" / "mathjax"
    return folder if (folder / "node-main.js").is_file() else None


def choose_math_renderer(app: Sphinx, config) -> None:
    """Render math at build time when Node.js is there, else MathJax in the browser."""
    mathjax = _mathjax_copy(app)
    if mathjax is not None and shutil.which("node"):
        config.html_math_renderer = "glassbox_svg"
        app._glassbox_math = MathRenderer(mathjax)
    else:
        config.html_math_renderer = "mathjax"
        logger.info("[glassbox] no Node.js: math is typeset by MathJax in the browser")


def _svg_math(self, node: nodes.Element, tex: str, display: bool) -> str:
    try:
        return self.builder.app._glassbox_math.html(tex=tex, display=display)
    except ValueError as err:
        logger.warning(f"TeX error: {err}: {tex}", location=node)
        return self.encode(tex)


def visit_math_svg(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_svg_math(self, node, node.astext(), display=False) + "</span>")
    raise nodes.SkipNode


def visit_displaymath_svg(self, node: nodes.math_block) -> None:
    """Sphinx's MathJax display math (numbers, several parts aligned), drawn now."""
    from sphinx.locale import _ as translate
    from sphinx.util.math import get_node_equation_number

    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["nowrap"]:
        tex = node.astext()
    else:
        if node["number"]:
            self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
            self.add_permalink_ref(node, translate("Link to this equation"))
            self.body.append("</span>")
        parts = [part for part in node.astext().split("\n\n") if part.strip()]
        body = r"\\".join(
            rf"\begin{{split}}{part}\end{{split}}" if r"\\" in part else part for part in parts
        )
        tex = rf"\begin{{align}}\begin{{aligned}}{body}\end{{aligned}}\end{{align}}"
        tex = tex if len(parts) > 1 else body
    self.body.append(_svg_math(self, node, tex, display=True) + "</div>\n")
    raise nodes.SkipNode


def math_glyphs(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give the page template the glyphs its formulas use (templates' ``body_post``)."""
    renderer = getattr(app, "_glassbox_math", None)
    if renderer is None or app.builder.math_renderer_name != "glassbox_svg":
        return

    def glyphs() -> str:
        if renderer.proc is None:  # nothing drawn yet in this build
            return ""
        defs = renderer.html(defs=True)
        if not defs:
            return ""
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" class="glassbox-math-glyphs" '
            f'aria-hidden="true" style="display: none"><defs>{defs}</defs></svg>'
        )

    context["glassbox_math_glyphs"] = glyphs


FA_FONT_FACE = re.compile(r"@font-face\{[^}]*Font Awesome[^}]*\}")
FA_ESCAPE = re.compile(r'"\\([0-9a-fA-F]{4,5})\s?"')


# The fonts subset_icon_fonts writes, as the bundle names them.
FONT_FILE = re.compile(r'url\("(glassbox-[\w.-]+\.woff)"\)')


def subset_icon_fonts(css: str, static: Path) -> str:
    """Cut Font Awesome's web fonts down to the glyphs the style sheet itself draws.

    The theme draws a few icons in CSS (admonition titles, external links, ...) with
    Font Awesome's font: 157 KB for the solid face. Each face becomes a WOFF of the
    glyphs that ``css`` names (a few KB), or goes if it draws none.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    wanted = {ord(c) for c in css if 0xE000 <= ord(c) <= 0xF8FF}
    wanted |= {int(code, 16) for code in FA_ESCAPE.findall(css)}

    def face(match: re.Match) -> str:
        truetype = re.search(r'url\("([^"]+\.ttf)"\)', match[0])
        source = static / truetype[1] if truetype else None
        if source is None or not source.is_file():
            return match[0]
        font = TTFont(source)
        codes = wanted & set(font.getBestCmap())
        if not codes:
            return ""
        options = subset.Options()
        options.flavor = "woff"
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(codes))
        subsetter.subset(font)
        name = f"glassbox-{source.stem}.woff"
        font.flavor = "woff"
        font.save(static / name)
        return re.sub(r"src:[^;}]*", f'src:url("{name}") format("woff")', match[0])

    return FA_FONT_FACE.sub(face, css)


# --- pruning the bundle: only rules that can match something the site shows ---------

CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
CSS_FUNCTIONAL = re.compile(
    r":(?:not|is|where|has|nth-[\w-]+|host|host-context|lang|dir)\((?:[^()]|\([^()]*\))*\)"
)
CSS_GROUPS = ("@media", "@supports", "@layer", "@container")
CSS_WORD = re.compile(r"[A-Za-z_][\w-]*")


def _css_skip(css: str, i: int) -> int:
    """The index after the string or comment that starts at ``i`` (else ``i``)."""
    if css.startswith("/*", i):
        end = css.find("*/", i + 2)
        return len(css) if end < 0 else end + 2
    if css[i] in "\"'":
        j = i + 1
        while j < len(css) and css[j] != css[i]:
            j += 2 if css[j] == "\\" else 1
        return j + 1
    return i


def css_items(css: str) -> list[tuple[str, str | None]]:
    """Top-level statements of a style sheet: ``(prelude, block)``, block None for ``;``."""
    items, i, start = [], 0, 0
    while i < len(css):
        j = _css_skip(css, i)
        if j != i:
            i = j
            continue
        if css[i] == ";":
            items.append((css[start:i].strip(), None))
            start = i = i + 1
        elif css[i] == "{":
            depth, j = 1, i + 1
            while j < len(css) and depth:
                k = _css_skip(css, j)
                if k != j:
                    j = k
                    continue
                depth += {"{": 1, "}": -1}.get(css[j], 0)
                j += 1
            items.append((css[start:i].strip(), css[i + 1 : j - 1]))
            start = i = j
        else:
            i += 1
    return items


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in prelude:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [s.strip() for s in [*parts, current] if s.strip()]


def can_match(selector: str, names: set[str]) -> bool:
    """False when the selector needs a class or id that no page and no script has.

    Only classes and ids outside ``:not()``, ``:is()`` ... and attribute tests count;
    a selector with escapes is kept.
    """
    if "\\" in selector:
        return True
    bare = re.sub(r"\[[^\]]*\]", "", CSS_FUNCTIONAL.sub("", selector))
    return all(name in names for name in re.findall(r"[.#](-?[_a-zA-Z][\w-]*)", bare))


def prune_css(css: str, names: set[str]) -> str:
    """The style sheet without the rules that cannot match (see :func:`can_match`)."""
    out = []
    for prelude, block in css_items(css):
        prelude = CSS_COMMENT.sub("", prelude).strip()
        if block is None:
            out.append(prelude + ";")
        elif prelude.startswith(CSS_GROUPS):
            inner = prune_css(block, names)
            if inner.strip():
                out.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            out.append(f"{prelude}{{{block}}}")
        else:
            kept = [s for s in _split_selectors(prelude) if can_match(s, names)]
            if kept:
                out.append(f"{','.join(kept)}{{{block.strip()}}}")
    return "\n".join(out)


def site_names(html_pages, scripts) -> set[str]:
    """Every class and id of the pages, and every word of the scripts (which add some)."""
    names: set[str] = set()
    for text in html_pages:
        for attr in CLASS_ATTR.findall(text):
            names.update(attr.split())
        names.update(re.findall(r'\bid="([^"]+)"', text))
    for text in scripts:
        names.update(CSS_WORD.findall(text))
    return names


# The book's own fixes of the theme's colours, at the end of the bundle.
SHELL_CSS = """/* Glass Box: sphinx-exercise tints exercise boxes (#ecf3ff in light mode), where
   the theme's link colour has a contrast of 4.3:1 (WCAG AA asks 4.5:1). */
html[data-theme=light] div.exercise{--pst-color-link:#1565d8}
/* The search field's magnifier: the theme places the <i> absolutely (for the web
   font), over the field's text; fontawesome.js's <svg> that replaced it sat in the
   row. The <i> stays here, so it goes back in the row. */
.bd-search .fa-solid.fa-magnifying-glass{position:static}
"""
# Not used: `content-visibility: auto` on paragraphs with math (or on code cells) lets
# the browser skip laying out most of a long chapter at load, worth up to 0.1 of
# Lighthouse's performance score on the chapters with the most formulas, but the
# contrast audits (axe, in the tests and in Lighthouse) then measure text against
# boxes that overlap it only in the skipped layout, and fail pages that are fine.


def lazy_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Figures load as the reader scrolls near them, not all before the first paint.

    A chapter opens with text; its figures (up to 800 KB) otherwise compete with the
    page's own style sheet and text for a phone's bandwidth.
    """
    if not is_site(app):
        return
    for image in doctree.findall(nodes.image):
        image.setdefault("loading", "lazy")


# Code cells: Pygments wraps every token in a <span>, also names, punctuation and
# white space, which the book's styles draw in the code block's own colour in light and
# dark mode (tests/test_page_shell.py checks pygments.css). Left as plain text they
# look the same, and a chapter has a fifth fewer elements for the phone to lay out.
PLAIN_TOKENS = frozenset(
    {
        Token.Name,  # n
        Token.Name.Namespace,  # nn
        Token.Name.Other,  # nx
        Token.Punctuation,  # p
        Token.Punctuation.Marker,  # pm
        Token.Text.Whitespace,  # w
    }
)


class PlainTokenFormatter(HtmlFormatter):
    """Pygments' HTML formatter without a <span> for :data:`PLAIN_TOKENS`."""

    def _get_css_classes(self, ttype):
        return "" if ttype in PLAIN_TOKENS else super()._get_css_classes(ttype)


def plain_code_tokens(app: Sphinx) -> None:
    for name in ("highlighter", "dark_highlighter"):
        bridge = getattr(app.builder, name, None)
        if bridge is not None and bridge.formatter is HtmlFormatter:
            bridge.formatter = PlainTokenFormatter


def light_shell(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Link the bundle instead of the page's style sheets; no render-blocking script."""
    from sphinx.builders.html._assets import _JavaScript

    if not is_site(app):
        return
    bundled = set(bundle_sources(app))
    context["css_files"] = [
        c for c in context.get("css_files", []) if os.fspath(c.filename) not in bundled
    ]
    context["glassbox_css"] = BUNDLE
    context["glassbox_css_digest"] = _digest(app)
    if pagename == "search":  # its search scripts, in the template, need doctools.js first
        return
    scripts = []
    for js in context.get("script_files", []):
        name = os.fspath(js.filename or "") if isinstance(js, _JavaScript) else ""
        attrs = dict(js.attributes) if isinstance(js, _JavaScript) else {}
        options = Path(app.outdir) / DOC_OPTIONS
        if name == DOC_OPTIONS and options.is_file():
            # A few lines of settings that the inline scripts after it extend.
            body = options.read_text(encoding="utf-8").strip()
            scripts.append(_JavaScript("", priority=js.priority, body=body))
        elif name and "://" not in name and not {"async", "defer"} & set(attrs):
            scripts.append(_JavaScript(name, priority=js.priority, **attrs, defer="defer"))
        else:
            scripts.append(js)
    context["script_files"] = scripts


def write_bundle(app: Sphinx, exception: Exception | None) -> None:
    """Write ``_static/glassbox.css``: every style sheet, then the icons the pages use.

    The rules that can match nothing on the site go (:func:`prune_css`); the whole
    bundle is kept in ``_build/glassbox-full.css`` for the test that compares the two.
    """
    if exception is not None or not is_site(app):
        return
    out = Path(app.outdir)
    target_dir = posixpath.dirname(BUNDLE)
    seen: set[str] = set()
    parts = [_flatten(app, name, target_dir, seen) for name in bundle_sources(app)]
    css = FA_GLYPHS.sub("", "".join(parts))
    pages = [p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.html"))]
    scripts = [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((out / "_static").rglob("*.js"))
        if p.name != "fontawesome.js" and "mathjax" not in p.parts
    ]
    fa_script = out / "_static" / "scripts" / "fontawesome.js"
    if fa_script.is_file():
        icons = fontawesome_icons(fa_script.read_text(encoding="utf-8"))
        license_file = fa_script.with_name("fontawesome.js.LICENSE.txt")
        notice = "Font Awesome Free, https://fontawesome.com/license/free (icons: CC BY 4.0)"
        if license_file.is_file():
            lines = re.findall(r"\* (Font Awesome .*|License .*)", license_file.read_text())
            notice = "; ".join(lines) or notice
        css += icon_css(used_icons(pages, scripts, icons), icons, notice)
    renderer = getattr(app, "_glassbox_math", None)
    if renderer is not None and app.builder.math_renderer_name == "glassbox_svg":
        css += "/* MathJax's SVG output */\n" + renderer.html(css=True)
        renderer.close()
    css += SHELL_CSS
    # The same style sheets, pages and scripts give the same bundle: a no-op rebuild
    # keeps the one it has (pruning and cutting the fonts take seconds).
    key = hash_of(css, *pages, *scripts, Path(__file__).read_bytes())
    bundle, full = out / BUNDLE, out.parent / "glassbox-full.css"
    fonts = FONT_FILE.findall(bundle.read_text(encoding="utf-8")) if bundle.is_file() else []
    if unchanged(app, "bundle", key, [bundle, full, *(bundle.parent / f for f in fonts)]):
        return
    full.write_text(css, encoding="utf-8")
    css = prune_css(css, site_names(pages, scripts))
    bundle.write_text(subset_icon_fonts(css, out / "_static"), encoding="utf-8")
    stamp(app, "bundle", key)


# Links inside exercises: the exercise box is tinted blue, on which the theme's link
# colour falls below the 4.5:1 contrast that text needs (axe: color-contrast).
BOOK_CSS_FILE = "glassbox-book.css"
BOOK_CSS = """\
html[data-theme="light"] div.exercise a.reference,
html[data-theme="light"] div.solution a.reference { color: #0b4fa8; }
html[data-theme="dark"] div.exercise a.reference,
html[data-theme="dark"] div.solution a.reference { color: #9cc3ff; }
"""


def write_book_css(app: Sphinx, exception: Exception | None) -> None:
    """Write the book's own small style sheet next to the theme's."""
    if exception is not None or not is_site(app):
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / BOOK_CSS_FILE).write_text(BOOK_CSS, encoding="utf-8")


# --- numbered references: each page's doctree unpickled once, not once per reference --


class NumrefDomain(StandardDomain):
    """Sphinx's standard domain, resolving ``{numref}`` with fewer unpickled doctrees.

    To number a reference to a figure, Sphinx unpickles the whole doctree of the page
    that holds it, for every reference (the book has over two hundred: four seconds of
    each clean build). Here each page's doctree is unpickled once per build and only
    read: the lookup, the numbering and the reference are Sphinx's own.
    """

    def _resolve_numref_xref(self, env, fromdocname, builder, typ, target, node, contnode):
        doctrees = self.__dict__.setdefault("_glassbox_doctrees", {})

        def get_doctree(docname: str):
            if docname not in doctrees:
                doctrees[docname] = BuildEnvironment.get_doctree(env, docname)
            return doctrees[docname]

        env.get_doctree = get_doctree
        try:
            return super()._resolve_numref_xref(
                env, fromdocname, builder, typ, target, node, contnode
            )
        finally:
            del env.get_doctree


def forget_numref_doctrees(app: Sphinx, env) -> None:
    """After the pages are read (again), the doctrees kept for numbering are stale."""
    env.get_domain("std").__dict__.pop("_glassbox_doctrees", None)


def setup(app: Sphinx) -> dict:
    app.add_domain(NumrefDomain, override=True)
    app.connect("env-updated", forget_numref_doctrees)
    app.add_css_file(BOOK_CSS_FILE)
    app.connect("build-finished", write_book_css)
    app.add_directive("teaching-plan", TeachingPlanDirective)
    app.connect("config-inited", default_theme_mode)
    app.connect("build-finished", repair_pages)
    app.connect("build-finished", tidy_site)
    app.connect("html-page-context", add_description)
    app.add_config_value("glassbox_pages_branch", "gh-pages", "html")
    app.connect("doctree-resolved", add_execution_footer)
    app.connect("html-page-context", add_download_button, priority=500)
    app.connect("html-page-context", add_launch_buttons, priority=502)
    app.connect("build-finished", write_reader_notebooks)
    app.connect("doctree-resolved", ship_explorables)
    app.connect("html-page-context", load_explore_assets)
    app.connect("build-finished", write_explore_assets)
    app.connect("config-inited", lean_mathjax)
    app.connect("config-inited", choose_math_renderer)
    app.add_html_math_renderer(
        "glassbox_svg", (visit_math_svg, None), (visit_displaymath_svg, None)
    )
    app.connect("html-page-context", math_glyphs)
    app.connect("html-page-context", light_shell, priority=900)
    app.connect("doctree-resolved", lazy_images)
    app.connect("builder-inited", plain_code_tokens)
    app.connect("build-finished", write_bundle, priority=900)
    app.add_js_file(None, body=DOWNLOAD_JS)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
