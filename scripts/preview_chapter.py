"""Build one chapter on its own, to check it while writing it.

Usage (from the project root; `make preview CHAPTER=book/part/chapter.md` does this)::

    python scripts/preview_chapter.py book/getting-started/first-model.md [--out DIR]

The chapter is executed (network blocked, fresh temporary folder, the same checks
as the real build), then the whole book is built in a temporary copy in which only
this chapter has outputs. The script prints the Sphinx warnings that concern this
chapter, writes the chapter's figures as PNG files into ``--out`` (default
``_build/preview/<chapter>``), and leaves the rendered page there too. Nothing in
``_build/html`` or the execution cache is touched.
"""

from __future__ import annotations

import argparse
import base64
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bookexec

ROOT = bookexec.ROOT


def save_images(nb, out: Path) -> list[Path]:
    """Write every PNG output of ``nb`` to ``out``; return the files."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        number += 1
        for k, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "image/png" in data:
                target = out / f"cell{number:02d}-{k}.png"
                target.write_bytes(base64.b64decode(data["image/png"]))
                files.append(target)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    chapter = args.chapter.resolve()
    if not chapter.exists():
        print(f"no such chapter: {args.chapter}", file=sys.stderr)
        return 2
    rel = chapter.relative_to(ROOT)
    out = (args.out or ROOT / "_build" / "preview" / rel.with_suffix("")).resolve()
    if out.exists():
        shutil.rmtree(out)

    timeout = int(bookexec.book_config().get("execute", {}).get("timeout", 60))
    result = bookexec.execute_chapter(chapter, timeout=timeout)
    print(f"[preview] executed in {result.seconds:.1f} s")
    if not result.ok:
        print(f"[preview] FAILED: {result.error}")
        return 1
    images = save_images(result.notebook, out / "figures")

    with tempfile.TemporaryDirectory(prefix="glassbox-preview-") as tmp:
        book = Path(tmp)
        for name in ("_config.yml", "_toc.yml", "requirements.txt", "pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, book / name)
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
        for name in ("book", "scripts", "src"):
            shutil.copytree(ROOT / name, book / name, ignore=ignore)
        config = yaml.safe_load((book / "_config.yml").read_text())
        config["execute"]["execute_notebooks"] = "cache"
        config["execute"]["cache"] = str(book / "cache")
        config["execute"]["stderr_output"] = "warn"
        (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        cache = bookexec.open_cache(book / "cache")
        copy = book / rel
        result.path = copy
        bookexec.store(cache, result)
        # Other chapters stay unexecuted; their warnings (missing glue...) are ignored.
        others = [str(p.relative_to(ROOT)) for p in bookexec.toc_chapters() if p != chapter]
        config["execute"]["exclude_patterns"] = others
        (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        jb = Path(sys.executable).with_name("jupyter-book")
        proc = subprocess.run(
            [str(jb), "build", str(book), "--builder", "html", "--keep-going"],
            capture_output=True,
            text=True,
        )
        log = proc.stdout + proc.stderr
        mine = [
            line
            for line in log.splitlines()
            if str(rel) in line and ("WARNING" in line or "ERROR" in line)
        ]
        page = book / "_build" / "html" / rel.with_suffix(".html")
        if proc.returncode and not page.exists():
            print("\n".join(log.splitlines()[-60:]))
            print("[preview] the book build failed (its last lines are above)")
            return 1
        if page.exists():
            site = out / "site"
            shutil.copytree(book / "_build" / "html", site)
            print(f"[preview] page: {site / rel.with_suffix('.html')}")
    print(f"[preview] {len(images)} figure(s) in {out / 'figures'}")
    for line in mine:
        print(line)
    print(f"[preview] {len(mine)} warning(s) in {rel}")
    return 1 if mine else 0


if __name__ == "__main__":
    sys.exit(main())
