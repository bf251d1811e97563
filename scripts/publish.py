"""Publish the built book (``_build/html``) to the pages branch of a git remote.

Usage (``make publish`` builds the book first, then runs this)::

    python scripts/publish.py [--remote origin] [--branch gh-pages]

The branch gets exactly the files of ``_build/html`` plus an empty ``.nojekyll`` (so
that GitHub Pages serves folders whose names start with ``_``), committed with
``ghp-import``. It works in a scratch repository, so the checkout's own branches are
never touched, and it pushes only when the site changed: publishing twice with nothing
new makes no second commit.

It refuses to run while ``_config.yml`` still has the placeholder site address, and
says which keys to set.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
PLACEHOLDER = "OWNER"
# What a built book has at its root; without them the folder is not the book.
REQUIRED = ("index.html", "glassbox-notebooks.zip", "404.html", "sitemap.xml")


def settings(config_path: Path = ROOT / "_config.yml") -> dict[str, str]:
    """The publishing settings of ``_config.yml``, by their dotted key."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    sphinx_config = (config.get("sphinx") or {}).get("config") or {}
    return {
        "repository.url": str((config.get("repository") or {}).get("url", "")),
        "html.baseurl": str((config.get("html") or {}).get("baseurl", "")),
        "sphinx.config.glassbox_pages_branch": str(
            sphinx_config.get("glassbox_pages_branch", "gh-pages")
        ),
    }


def placeholder_keys(values: dict[str, str]) -> list[str]:
    """The keys still unset or holding the placeholder owner."""
    keys = ("repository.url", "html.baseurl")
    return [key for key in keys if not values.get(key) or PLACEHOLDER in values[key]]


def _git(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check)


def resolve_remote(remote: str) -> str:
    """A remote's URL: a name like ``origin`` is looked up in this checkout."""
    if "/" in remote or ":" in remote or Path(remote).exists():
        path = Path(remote)
        return str(path.resolve()) if path.exists() else remote
    found = _git("remote", "get-url", remote, cwd=ROOT, check=False)
    if found.returncode != 0:
        raise SystemExit(f"publish: no git remote named {remote!r} in this checkout")
    return found.stdout.strip()


def publish(site: Path, remote: str, branch: str, message: str) -> bool:
    """Commit ``site`` to ``branch`` of ``remote``; ``True`` when a commit was pushed."""
    missing = [name for name in REQUIRED if not (site / name).is_file()]
    if missing:
        raise SystemExit(
            f"publish: {site} is not a built book (missing {', '.join(missing)}); "
            "run `make book` first"
        )
    url = resolve_remote(remote)
    with tempfile.TemporaryDirectory(prefix="glassbox-publish-") as tmp:
        work = Path(tmp)
        _git("init", "--quiet", cwd=work)
        _git("config", "user.name", "Glass Box publisher", cwd=work)
        _git("config", "user.email", "publish@glassbox.invalid", cwd=work)
        fetched = _git(
            "fetch",
            "--quiet",
            url,
            f"+refs/heads/{branch}:refs/heads/{branch}",
            cwd=work,
            check=False,
        )
        had_branch = fetched.returncode == 0
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ghp_import",
                "--no-jekyll",
                "--branch",
                branch,
                "--message",
                message,
                str(site),
            ],
            cwd=work,
            check=True,
            capture_output=True,
            text=True,
        )
        if had_branch:
            before = _git("rev-parse", f"{branch}~1^{{tree}}", cwd=work).stdout.strip()
            after = _git("rev-parse", f"{branch}^{{tree}}", cwd=work).stdout.strip()
            if before == after:
                print(f"publish: {branch} of {url} already holds this build; nothing pushed")
                return False
        _git("push", "--quiet", url, f"refs/heads/{branch}:refs/heads/{branch}", cwd=work)
    print(f"publish: pushed _build/html to {branch} of {url}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remote", default="origin", help="git remote name, URL or path")
    parser.add_argument("--branch", default=None, help="pages branch (default: _config.yml)")
    parser.add_argument("--site", type=Path, default=SITE, help="the built HTML folder")
    parser.add_argument(
        "--check", action="store_true", help="only check the site address is set, publish nothing"
    )
    parser.add_argument(
        "--allow-placeholder",
        action="store_true",
        help="publish even with the placeholder address (trying a set-up)",
    )
    args = parser.parse_args(argv)
    values = settings()
    unset = placeholder_keys(values)
    if unset and not args.allow_placeholder:
        print(
            "publish: the site address in _config.yml is still the placeholder.\n"
            f"         Set {' and '.join(unset)} to the book's real repository and site\n"
            "         (e.g. repository.url: https://github.com/<you>/glassbox and\n"
            "         html.baseurl: https://<you>.github.io/glassbox/), then run make publish.",
            file=sys.stderr,
        )
        return 2
    if args.check:
        return 0
    branch = args.branch or values["sphinx.config.glassbox_pages_branch"] or "gh-pages"
    commit = _git("rev-parse", "--short=12", "HEAD", cwd=ROOT, check=False).stdout.strip()
    message = f"Publish the book built from {commit or 'a copy without git history'}"
    publish(args.site, args.remote, branch, message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
