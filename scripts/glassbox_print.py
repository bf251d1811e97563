"""The book in print: what the PDF (LaTeX) and EPUB builds need beyond the HTML one.

A local Sphinx extension, loaded by ``_config.yml`` like ``glassbox_sphinx``:

* **Figures in vector form.** Chapters execute with every figure kept as PNG and as
  PDF (``bookexec.PRINT_FIGURES``); the LaTeX builder prefers the PDF, so lines and
  text print sharp at any size.
* **Animations become a still.** LaTeX cannot show a GIF, so :class:`GifStill` turns
  each animation into a two-by-two grid of four of its frames (first, two between, last), the
  static form of the figure. The EPUB keeps the GIF: e-readers show it.
* **Explorable figures become their small multiples.** Their notebook output carries
  the interactive HTML and a static PNG; the print builders are told to prefer the
  PNG (``nb_mime_priority_overrides``, set in :func:`print_settings`).
* **The LaTeX document.** Sphinx's own ``manual`` class (the class that
  sphinx-jupyterbook-latex ships loads ``bbm.sty``, which Debian's TeX packages named
  in the README lack); that extension's parts, front matter and cell handling stay.
  XeLaTeX with the GNU FreeFont faces, figures placed where the code made them, code
  and outputs wrapped at the margin instead of cut off.
* **The EPUB.** An identifier, and no pages an e-reader has no use for (search,
  the 404 page, the general index).
* **Offered on the site.** ``scripts/build_print.py`` leaves the finished files in
  ``_build/print/``; an HTML build copies them next to the landing page, whose
  ``{book-downloads}`` directive links them with their sizes, and the download
  archive holds them too (``glassbox_sphinx.write_reader_notebooks``).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from glassbox_sphinx import ARCHIVE, is_site
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.transforms.post_transforms.images import ImageConverter
from sphinx.util.docutils import SphinxDirective

#: Frames an animation's still shows, as fractions of its length.
STILL_FRAMES = (0.0, 1 / 3, 2 / 3, 1.0)

# Everything the book's LaTeX needs beyond Sphinx's defaults.
PREAMBLE = r"""
% Glass Box: the print edition's preamble (scripts/glassbox_print.py).
\usepackage{unicode-math}
\setmathfont{Latin Modern Math}
\addto\captionsenglish{\renewcommand{\contentsname}{Contents}}
\hypersetup{pdfencoding=auto, psdextra}
% Marks that outputs print and FreeMono lacks, taken from FreeSerif.
\usepackage{newunicodechar}
\newfontfamily\glassboxsymbols{FreeSerif}
\newunicodechar{✓}{{\glassboxsymbols ✓}}
\newunicodechar{✔}{{\glassboxsymbols ✔}}
\newunicodechar{✗}{{\glassboxsymbols ✗}}
\newunicodechar{✘}{{\glassboxsymbols ✘}}
% Code cells (sphinx-jupyterbook-latex wraps them in these two environments): the
% input on a grey ground, its output indented on white, as in the HTML book.
\usepackage[strict]{changepage}
\newenvironment{sphinxVerbatimInput}
  {\sphinxsetup{VerbatimColor={RGB}{243,245,247}, VerbatimBorderColor={RGB}{196,202,208}}}
  {}
\newenvironment{sphinxVerbatimOutput}
  {\sphinxsetup{VerbatimColor={RGB}{255,255,255}, VerbatimBorderColor={RGB}{220,220,220}}%
   \begin{adjustwidth}{14pt}{}}
  {\end{adjustwidth}}
% A little more room for chapter numbers above 9 in the table of contents.
\makeatletter
\renewcommand*\l@chapter{\@dottedtocline{0}{0em}{2.3em}}
\makeatother
"""

LATEX_ELEMENTS = {
    "papersize": "a4paper",
    "pointsize": "10pt",
    # Figures stay where the code made them: after their cell, never floated away
    # (and never inside a solution box, where LaTeX forbids floats).
    "figure_align": "H",
    "preamble": PREAMBLE,
    # Long code lines and outputs wrap at the margin, marked with a small arrow.
    "sphinxsetup": ",".join(
        [
            "verbatimwrapslines=true",
            "verbatimforcewraps=true",
            "verbatimmaxoverfull=0",
            "verbatimhintsturnover=false",
            "hmargin={2.2cm,2.2cm}",
            "vmargin={2.4cm,2.6cm}",
        ]
    ),
    # No index: the glossary appendix is the book's index of terms.
    "makeindex": "",
    "printindex": "",
}


def print_settings(app: Sphinx, config: Config) -> None:
    """Settings of the LaTeX and EPUB builders (after sphinx-jupyterbook-latex's own)."""
    config["latex_engine"] = "xelatex"
    config["latex_theme"] = "manual"
    elements = dict(config["latex_elements"])
    elements.update(LATEX_ELEMENTS)
    config["latex_elements"] = elements
    config["latex_use_xindy"] = False
    config["latex_show_urls"] = "no"
    config["latex_show_pagerefs"] = False
    # The API reference appendix is the book's module index already.
    config["latex_domain_indices"] = False
    # The still of an explorable figure rather than its HTML; GIFs where the format
    # can hold them (EPUB), a still made by GifStill where it cannot (LaTeX).
    overrides = list(config["nb_mime_priority_overrides"] or [])
    overrides += [("epub", "image/png", 25), ("latex", "image/gif", 25)]
    config["nb_mime_priority_overrides"] = overrides
    # The EPUB.
    config["epub_basename"] = "glass-box"
    config["epub_title"] = config["project"]
    config["epub_author"] = config["author"]
    config["epub_publisher"] = config["author"]
    config["epub_copyright"] = config["copyright"]
    # The toc.ncx names the book by epub_uid, the package by epub_identifier: the same.
    config["epub_identifier"] = "glassbox"
    config["epub_scheme"] = "glassbox"  # a name of the book's own, not an ISBN or URL
    config["epub_uid"] = "glassbox"
    config["epub_show_urls"] = "no"
    config["epub_exclude_files"] = ["search.html", "404.html", "genindex.html"]
    # The EPUB builder lists what it leaves out of the book (the web site's own MathJax
    # copy and redirect page) as warnings, which fail the build; leaving them out is right.
    config["suppress_warnings"] = [*config["suppress_warnings"], "epub.unknown_project_files"]


def epub_version(app: Sphinx) -> None:
    """An EPUB 3 has a version: the date of the commit built (the web pages show none)."""
    if is_epub(app) and not app.config.version:
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
        stamp = datetime.fromtimestamp(epoch, UTC) if epoch else datetime.now(UTC)
        app.config.version = stamp.strftime("%Y.%m.%d")


class GifStill(ImageConverter):
    """An animation's static form for builders without GIF: four frames in a two-by-two grid."""

    default_priority = 10
    conversion_rules: ClassVar = [("image/gif", "image/png")]

    def is_available(self) -> bool:
        return True

    def convert(self, _from: str, _to: str) -> bool:
        from PIL import Image

        with Image.open(_from) as gif:
            count = getattr(gif, "n_frames", 1)
            picks = sorted({round(f * (count - 1)) for f in STILL_FRAMES})
            frames = []
            for index in picks:
                gif.seek(index)
                frames.append(gif.convert("RGB"))
        gap, columns = 12, 2
        rows = -(-len(frames) // columns)
        cell_w = max(f.width for f in frames)
        cell_h = max(f.height for f in frames)
        still = Image.new(
            "RGB",
            (columns * cell_w + gap * (columns - 1), rows * cell_h + gap * (rows - 1)),
            "white",
        )
        for i, frame in enumerate(frames):
            row, col = divmod(i, columns)
            still.paste(frame, (col * (cell_w + gap), row * (cell_h + gap)))
        Path(_to).parent.mkdir(parents=True, exist_ok=True)
        still.save(_to, format="PNG", optimize=True)
        return True


class ExerciseRefsInPrint(SphinxPostTransform):
    """Links to an exercise in the PDF: "Exercise 6.12.3", linked, also from another chapter.

    sphinx-exercise labels an exercise ``exercise:<label>`` in LaTeX and rewrites the
    links within one chapter to match, but a link from another chapter (the teaching
    notes link to every chapter's exercises) keeps Sphinx's ``<chapter>:<label>`` and
    prints "Exercise ??". This points those at the exercise's label too, with the number
    Sphinx resolved as their text.
    """

    default_priority = 23  # after sphinx-exercise's own (22)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        from sphinx_exercise.nodes import exercise_enumerable_node, exercise_latex_number_reference

        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in list(self.document.findall(nodes.reference)):
            if isinstance(node, exercise_latex_number_reference):
                continue
            label = node.get("refuri", "").partition("#")[2]
            target = registry.get(label)
            if not target or not isinstance(target.get("node"), exercise_enumerable_node):
                continue
            link = exercise_latex_number_reference(refid=label)
            link += node.children
            node.replace_self(link)
        # "Solution to Exercise 1.7.1": the space sphinx-exercise puts inside the link
        # is lost at the start of LaTeX's link text; it goes before the link.
        for node in list(self.document.findall(nodes.reference)):
            first = next(iter(node.findall(nodes.Text)), None)
            if first is not None and first.startswith(" ") and node.parent is not None:
                first.parent.replace(first, nodes.Text(first.lstrip()))
                node.parent.insert(node.parent.index(node), nodes.Text(" "))


#: The print editions, by file name, as the landing page names them.
EDITIONS = {"glass-box.pdf": "PDF (A4, for print)", "glass-box.epub": "EPUB (for e-readers)"}


def print_editions(app: Sphinx) -> dict[str, Path]:
    """The print editions built so far (``_build/print``), by file name."""
    folder = Path(app.outdir).parent / "print"
    return {name: folder / name for name in EDITIONS if (folder / name).is_file()}


class BookDownloadsDirective(SphinxDirective):
    """``{book-downloads}``: the whole book to download, in every form built.

    On the web site only (the PDF and the EPUB do not link themselves): the PDF and
    the EPUB where ``make pdf`` / ``make epub`` built them, with their sizes, and the
    archive of every chapter as a notebook. The landing page is read again whenever
    an edition's size changes (glassbox_publish), so the list follows ``_build/print``.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        if not is_site(self.env.app):
            return []
        para = nodes.paragraph(classes=["glassbox-downloads"])
        para += nodes.strong(text="The whole book to download: ")
        items = [
            (EDITIONS[name], name, f"{path.stat().st_size / 1e6:.1f} MB")
            for name, path in print_editions(self.env.app).items()
        ]
        items.append(("every chapter as a notebook, for offline use", ARCHIVE, "zip"))
        up = "../" * self.env.docname.count("/")  # the files lie at the site's root
        for i, (label, name, note) in enumerate(items):
            if i:
                para += nodes.Text(" · ")
            link = nodes.reference("", label, refuri=up + name)
            para += link
            para += nodes.Text(f" ({note})")
        para += nodes.Text(".")
        return [para]


def offer_editions(app: Sphinx, exception: Exception | None) -> None:
    """After a web-site build: the print editions next to the landing page."""
    if exception is not None or not is_site(app):
        return
    for name, path in print_editions(app).items():
        shutil.copyfile(path, Path(app.outdir) / name)


def is_epub(app: Sphinx) -> bool:
    """Whether this build writes the EPUB."""
    return app.builder.name.startswith("epub")


#: The EPUB's own style sheet, written by :func:`finish_epub`.
EPUB_STYLE = "_static/glassbox-epub.css"
#: The style sheets the EPUB keeps: the e-reader theme's (which imports basic.css), the
#: code colours and its own. The web pages' others style the site's shell, and some
#: are not the CSS that EPUB allows.
EPUB_KEEP_CSS = ("_static/epub.css", "_static/basic.css", "_static/pygments.css", EPUB_STYLE)


def epub_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """An EPUB page: no scripts, the e-reader's style, and its formulas' glyphs."""
    if not is_epub(app):
        return
    context["script_files"] = []
    context["css_files"] = [
        c for c in context.get("css_files", []) if str(getattr(c, "filename", c)) in EPUB_KEEP_CSS
    ]
    glyphs = context.get("glassbox_math_glyphs")  # the web pages' template draws these
    if callable(glyphs) and "body" in context:
        context["body"] += glyphs()


# Left in the pages' body by extensions for the web (thebe's settings) and by pandas.
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.DOTALL)
EMPTY_STYLE = re.compile(r'<style type="text/css">\s*</style>\s*')
EPUB_CSS_RULES = """
/* Glass Box, EPUB edition. Formulas are drawn as SVG; the MathML beside each is
   for screen readers and is hidden from view by MathJax's rules below. */
mjx-container[display="true"] { display: block; margin: 1em 0; text-align: center; }
"""


def epub_style(app: Sphinx) -> str:
    """The EPUB's style sheet: its own rules, and MathJax's for the formulas' SVG."""
    css = EPUB_CSS_RULES
    renderer = getattr(app, "_glassbox_math", None)
    if renderer is not None and app.builder.math_renderer_name == "glassbox_svg":
        # EPUB style sheets may not set the text direction (the e-reader does).
        mathjax = re.sub(r"direction:\s*[a-z]+\s*;?", "", renderer.html(css=True))
        css += "/* MathJax's SVG output */\n" + mathjax
        renderer.close()
    return css


EPUB_ITEM = re.compile(
    r'<item id="[^"]+" href="([^"]+\.xhtml)" media-type="application/xhtml\+xml"'
)


def finish_epub(app: Sphinx, exception: Exception | None) -> None:
    """Make the EPUB valid (epubcheck), then pack it again.

    The pages get the web pages' repairs (``glassbox_sphinx.repair_html``); XHTML knows
    no ``&nbsp;``; links to the web site's downloads point at the published site; and
    the package file declares the pages that hold SVG (the formulas) or MathML (their
    text for screen readers), as EPUB 3 requires.
    """
    if exception is not None or not is_epub(app):
        return
    from glassbox_sphinx import repair_html

    out = Path(app.outdir)
    site = (app.config.html_baseurl or "").rstrip("/") + "/"
    (out / EPUB_STYLE).write_text(epub_style(app), encoding="utf-8")
    features: dict[str, list[str]] = {}
    for page in out.rglob("*.xhtml"):
        text = page.read_text(encoding="utf-8")
        fixed = repair_html(text).replace("&nbsp;", "&#160;")
        fixed = SCRIPT.sub("", EMPTY_STYLE.sub("", fixed))
        depth = len(page.relative_to(out).parts) - 1
        fixed = fixed.replace(f'href="{"../" * depth}{ARCHIVE}"', f'href="{site}{ARCHIVE}"')
        style = f'<link rel="stylesheet" type="text/css" href="{"../" * depth}{EPUB_STYLE}" />'
        fixed = fixed.replace("</head>", f"{style}\n</head>", 1)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
        props = [name for name, tag in (("svg", "<svg"), ("mathml", "<math")) if tag in fixed]
        features[page.relative_to(out).as_posix()] = props
    opf = out / "content.opf"

    def declare(match: re.Match) -> str:
        props = features.get(match[1])
        return match[0] + (f' properties="{" ".join(props)}"' if props else "")

    package = EPUB_ITEM.sub(declare, opf.read_text(encoding="utf-8"))
    if f'href="{EPUB_STYLE}"' not in package:  # the style sheet of an earlier build is listed
        item = f'<item id="glassbox-css" href="{EPUB_STYLE}" media-type="text/css" />'
        package = package.replace("</manifest>", f"  {item}\n  </manifest>")
    if EPUB_STYLE not in app.builder.files:
        app.builder.files.append(EPUB_STYLE)
    # The web pages' style sheets stay out.
    unused = {f for f in app.builder.files if f.startswith("_static/") and f.endswith(".css")}
    unused -= set(EPUB_KEEP_CSS)
    package = "".join(
        line
        for line in package.splitlines(keepends=True)
        if not any(f'href="{name}"' in line for name in unused)
    )
    app.builder.files = [f for f in app.builder.files if f not in unused]
    opf.write_text(package, encoding="utf-8")
    app.builder.build_epub()


#: The caption of the toc's last part; in the PDF its chapters are appendices A, B, ...
APPENDICES = "Appendices"


def letter_appendices(app: Sphinx, exception: Exception | None) -> None:
    """In the LaTeX, ``\\appendix`` before the appendices' part: lettered, not numbered.

    sphinx-jupyterbook-latex turns every toc caption into a ``\\part`` and numbers the
    chapters of all of them on; a printed book letters its appendices.
    """
    if exception is not None or app.builder.name != "latex":
        return
    part = f"\\part{{{APPENDICES}}}"
    for _, target, *_ in app.config.latex_documents:
        tex = Path(app.outdir) / target
        text = tex.read_text(encoding="utf-8")
        if part in text and "\\appendix" not in text:
            tex.write_text(text.replace(part, "\\appendix\n" + part, 1), encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", print_settings, priority=900)
    app.add_post_transform(GifStill)
    app.add_post_transform(ExerciseRefsInPrint)
    app.add_directive("book-downloads", BookDownloadsDirective)
    app.connect("build-finished", offer_editions)
    app.connect("builder-inited", epub_version, priority=100)  # before Sphinx checks it
    app.connect("html-page-context", epub_page, priority=950)
    app.connect("build-finished", finish_epub, priority=950)
    app.connect("build-finished", letter_appendices)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
