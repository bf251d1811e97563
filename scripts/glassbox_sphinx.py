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
"""

from __future__ import annotations

import base64
import hashlib
import os
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
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

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
    if _is_chapter(app, pagename, doctree):
        context["ipynb_source"] = pagename + ".ipynb"


def add_launch_buttons(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """Buttons that open the reader's notebook (never the .md source) in Colab or Binder."""
    if not _is_chapter(app, pagename, doctree):
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


def _wheel(app: Sphinx) -> tuple[str, bytes]:
    """Build (or reuse) a wheel of the helper package."""
    root = Path(app.confdir)
    files = [*sorted((root / "src").rglob("*")), root / "pyproject.toml", root / "README.md"]
    digest = hashlib.sha256()
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            digest.update(str(f.relative_to(root)).encode() + f.read_bytes())
    store = Path(app.outdir).parent / ".wheel" / digest.hexdigest()[:16]
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
    if exception is not None or app.builder.format != "html":
        return
    import bookexec
    import nbformat
    from jupyter_cache import get_cache
    from reader_notebooks import reader_notebook, validate, write_archive

    index = book_index(app)
    cache = get_cache(str(Path(app.confdir) / app.config.nb_execution_cache_path))
    out = Path(app.outdir)
    notebooks = {}
    for docname in _notebook_docs(app):
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
    write_archive(out / ARCHIVE, notebooks, wheel, requirements, readme)
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
    logger.info(f"[glassbox] wrote {len(notebooks)} reader notebooks and {ARCHIVE}")


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
    if exception is not None or app.builder.format != "html":
        return
    labelled = TOGGLE_SUMMARY.replace(
        "<summary>", '<summary aria-label="Show or hide the sections of this chapter">'
    )
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
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
        fixed = PANDAS_STYLE.sub("", fixed)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


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
    if exception is not None or app.builder.format != "html":
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
    if app.builder.format != "html":
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
    if _explorables(doctree):
        app.add_css_file("glassbox-explore.css")
        app.add_js_file("glassbox-explore.js", loading_method="defer")


def write_explore_assets(app: Sphinx, exception: Exception | None) -> None:
    """Write the explorable figures' shared script and style sheet to ``_static``."""
    if exception is not None or app.builder.format != "html":
        return
    from glassbox.explore import runtime_assets

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    for name, text in runtime_assets().items():
        (static / name).write_text(text, encoding="utf-8")


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
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / BOOK_CSS_FILE).write_text(BOOK_CSS, encoding="utf-8")


def setup(app: Sphinx) -> dict:
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
    app.add_js_file(None, body=DOWNLOAD_JS)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
