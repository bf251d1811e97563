"""Build the book's print editions: the PDF (Sphinx's LaTeX, then XeLaTeX) and the EPUB.

Usage (from the project root; `make pdf` and `make epub` do this)::

    python scripts/build_print.py pdf  [--jobs N]
    python scripts/build_print.py epub [--jobs N]

Both start like the HTML build: every chapter not in the execution cache is executed
(scripts/build_book.py), so Sphinx re-executes nothing. Then:

* ``pdf``: ``jupyter-book build --builder latex`` (warnings are errors) writes
  ``_build/latex/glass-box.tex``; ``latexmk -xelatex`` typesets it, as many passes as
  the cross-references need. A LaTeX error stops the build with the error and the
  lines around it; so does a cross-reference left unresolved ("Exercise ??").
* ``epub``: Sphinx's ``epub`` builder, then Debian's ``epubcheck`` (0 errors wanted).

The finished files go to ``_build/print/``, where the HTML build finds them: it copies
them next to the landing page, which links them, and into the download archive.

Without the TeX packages (or ``epubcheck``) the build says which are missing and how to
get them, and skips; with ``GLASSBOX_REQUIRE_PRINT=1`` (CI) it fails instead.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bookexec
import build_book

ROOT = bookexec.ROOT
BUILD = ROOT / "_build"
PRINT = BUILD / "print"
LATEX = BUILD / "latex"
EPUB = BUILD / "epub"
NAME = "glass-box"

#: Debian packages that hold what the PDF needs (the Makefile installs them as root).
TEX_PACKAGES = (
    "texlive-xetex",
    "texlive-latex-extra",
    "texlive-fonts-recommended",
    "latexmk",
    "fonts-freefont-otf",
)
#: Programs and files the PDF needs, each with the Debian package that has it.
TEX_NEEDS = {
    "xelatex": "texlive-xetex",
    "latexmk": "latexmk",
    "kpsewhich": "texlive-xetex",
}
TEX_FILES = {
    "unicode-math.sty": "texlive-latex-recommended",
    "newunicodechar.sty": "texlive-latex-extra",
    "changepage.sty": "texlive-latex-extra",
    "fncychap.sty": "texlive-latex-extra",
    "latinmodern-math.otf": "fonts-lmodern",
}
FONTS = {"FreeSerif": "fonts-freefont-otf", "FreeMono": "fonts-freefont-otf"}


def missing_tex() -> list[str]:
    """What the PDF build needs and this machine lacks, as "what (package)" lines."""
    missing = [f"{tool} ({pkg})" for tool, pkg in TEX_NEEDS.items() if not shutil.which(tool)]
    if missing:
        return missing
    for name, pkg in TEX_FILES.items():
        found = subprocess.run(["kpsewhich", name], capture_output=True, text=True)
        if not found.stdout.strip():
            missing.append(f"{name} ({pkg})")
    if shutil.which("fc-list"):
        for font, pkg in FONTS.items():
            found = subprocess.run(["fc-list", font], capture_output=True, text=True)
            if not found.stdout.strip():
                missing.append(f"the {font} font ({pkg})")
    return missing


def skip(what: str, missing: list[str], packages: tuple[str, ...]) -> int:
    """Say why ``what`` is not built; exit 0, or 1 where the print editions are required."""
    print(f"[{what}] cannot build the {what.upper()}: this machine lacks " + ", ".join(missing))
    print(f"[{what}] install them with: apt-get install {' '.join(packages)}")
    print(f"[{what}] (`make {what}` does that itself when run as root)")
    if os.environ.get("GLASSBOX_REQUIRE_PRINT") == "1":
        print(f"[{what}] FAILED: GLASSBOX_REQUIRE_PRINT=1, so the {what.upper()} must be built")
        return 1
    print(f"[{what}] skipped")
    return 0


def tex_env() -> dict[str, str]:
    """The environment of the TeX run: the commit's date in the PDF, not today's."""
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = build_book.source_date_epoch()
    env["FORCE_SOURCE_DATE"] = "1"
    return env


# A LaTeX error in the log: "! Undefined control sequence." and the lines after it.
TEX_ERROR = re.compile(r"^! .*(?:\n(?!\n).*){0,8}", re.MULTILINE)
UNRESOLVED = re.compile(r"LaTeX Warning: (?:Hyper )?[Rr]eference `([^']+)'")
OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\) (in paragraph|detected)")


def log_report(log: str) -> tuple[list[str], list[str], list[float]]:
    """From a LaTeX log: its errors, unresolved references, and overfull box widths (pt)."""
    errors = [m.group(0) for m in TEX_ERROR.finditer(log)]
    unresolved = sorted(set(UNRESOLVED.findall(log.replace("\n", ""))))
    overfull = [float(m.group(1)) for m in OVERFULL.finditer(log)]
    return errors, unresolved, overfull


def build_pdf(jobs: int) -> int:
    missing = missing_tex()
    if missing:
        return skip("pdf", missing, TEX_PACKAGES)
    if not build_book.execute_chapters(jobs, "PDF"):
        return 1
    print("[pdf] writing LaTeX (warnings are errors)")
    if build_book.sphinx_build("latex") != 0:
        print("\n[pdf] FAILED: Sphinx reported warnings or errors (listed above).")
        return 1
    print("[pdf] typesetting with XeLaTeX (latexmk: as many passes as the references need)")
    tex = LATEX / f"{NAME}.tex"
    cmd = ["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", tex.name]
    done = subprocess.run(cmd, cwd=LATEX, env=tex_env(), capture_output=True, text=True)
    log_file = LATEX / f"{NAME}.log"
    log = log_file.read_text(errors="replace") if log_file.exists() else ""
    errors, unresolved, overfull = log_report(log)
    if done.returncode != 0 or errors:
        print(done.stdout[-3000:])
        print("\n".join(errors) or "(no error in the log; latexmk's output is above)")
        print(f"\n[pdf] FAILED: XeLaTeX stopped on an error; the whole log: {log_file}")
        return 1
    if unresolved:
        print("[pdf] FAILED: cross-references the PDF cannot resolve:")
        print("\n".join(f"  {ref}" for ref in unresolved))
        return 1
    PRINT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LATEX / f"{NAME}.pdf", PRINT / f"{NAME}.pdf")
    size = (PRINT / f"{NAME}.pdf").stat().st_size / 1e6
    print(f"[pdf] {PRINT / (NAME + '.pdf')}: {size:.1f} MB; {len(overfull)} overfull lines")
    return 0


def epubcheck_command() -> list[str]:
    """How to run epubcheck: Debian links the command to its jar, which Java runs."""
    found = shutil.which("epubcheck") or ""
    real = os.path.realpath(found) if found else ""
    return ["java", "-jar", real] if real.endswith(".jar") else [found]


def build_epub(jobs: int) -> int:
    if not build_book.execute_chapters(jobs, "EPUB"):
        return 1
    print("[epub] writing the EPUB (warnings are errors)")
    if build_book.sphinx_build("custom", "--custom-builder", "epub") != 0:
        print("\n[epub] FAILED: Sphinx reported warnings or errors (listed above).")
        return 1
    book = EPUB / f"{NAME}.epub"
    if shutil.which("epubcheck"):
        print("[epub] checking it with epubcheck")
        done = subprocess.run(
            [*epubcheck_command(), "--quiet", str(book)], capture_output=True, text=True
        )
        if done.returncode != 0:
            print(done.stdout[-5000:], done.stderr[-5000:])
            print("[epub] FAILED: epubcheck found errors (above)")
            return 1
    else:
        print("[epub] no epubcheck on this machine (Debian package epubcheck): not checked")
        if os.environ.get("GLASSBOX_REQUIRE_PRINT") == "1":
            return skip("epub", ["epubcheck (epubcheck)"], ("epubcheck",))
    PRINT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(book, PRINT / book.name)
    print(f"[epub] {PRINT / book.name}: {book.stat().st_size / 1e6:.1f} MB")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("format", choices=["pdf", "epub"])
    parser.add_argument("--jobs", "-j", type=int, default=(os.cpu_count() or 1) + 1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    code = build_pdf(args.jobs) if args.format == "pdf" else build_epub(args.jobs)
    if code == 0:
        print(f"[{args.format}] done in {time.perf_counter() - start:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
