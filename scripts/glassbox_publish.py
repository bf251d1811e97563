"""What a published book needs, all read from the one site address in ``_config.yml``.

``html.baseurl`` (the site's public address) and ``repository.url`` are set once in
``_config.yml``. From ``html.baseurl`` this extension derives what the publishing
extensions would otherwise each need to be told:

- ``sphinx-sitemap`` writes ``sitemap.xml`` with absolute page addresses;
- ``sphinxext-opengraph`` writes the social-preview tags, with the cover card drawn
  by the helper package (``glassbox.cover_png``) as their image;
- ``sphinx-notfound-page`` writes ``404.html`` with links that start at the site's
  root path (``/glassbox/`` for ``https://owner.github.io/glassbox/``), so it works
  whatever folder the missing address was in;
- Sphinx itself writes ``<link rel="canonical">`` on every page.

It also adds the ``{build-info}`` directive: the landing page's "last built from
commit ..." line, linked to the commit in the repository. The landing page is read
again when that commit, a print edition it offers or the builder changed since it was
last read.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlparse

from docutils import nodes
from glassbox_sphinx import hash_of, is_site, stamp, unchanged, wheel_digest
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

COVER = "_static/glassbox-cover.png"
SUBTITLE = "Neural networks with PyTorch, from first principles, with every step in view"
# Pages that are not content: left out of the sitemap.
NOT_IN_SITEMAP = ["404.html", "search.html", "genindex.html", "py-modindex.html"]


def site_prefix(baseurl: str) -> str:
    """The root path of the site: ``/glassbox/`` for ``https://o.github.io/glassbox/``."""
    path = urlparse(baseurl).path or "/"
    return path if path.endswith("/") else path + "/"


def derive_settings(app: Sphinx, config) -> None:
    """Point the sitemap, the preview tags and the 404 page at ``html_baseurl``."""
    base = (config.html_baseurl or "").strip()
    if not base:
        logger.warning("[glassbox] html.baseurl is not set: no sitemap, canonical or preview links")
        return
    if not base.endswith("/"):
        base += "/"
        config.html_baseurl = base
    config.ogp_site_url = base
    config.ogp_site_name = config.project
    config.ogp_image = COVER
    config.ogp_image_alt = f"{config.project}: {SUBTITLE}"
    config.ogp_social_cards = {"enable": False}  # the cover card instead of one per page
    config.ogp_enable_meta_description = False  # glassbox_sphinx writes the description
    config.sitemap_url_scheme = "{link}"
    config.sitemap_excludes = list(NOT_IN_SITEMAP)
    config.notfound_urls_prefix = site_prefix(base)
    config.notfound_context = {
        "title": "Page not found",
        "body": (
            "<h1>Page not found</h1>\n"
            "<p>There is no page at this address in Glass Box. It may have moved when the "
            "book grew: start again from the table of contents on the left, or search "
            "the book.</p>\n"
        ),
    }


def write_cover(app: Sphinx, exception: Exception | None) -> None:
    """Write the cover card the preview tags point at (the same bytes every build)."""
    if exception is not None or not is_site(app):
        return
    # Drawing it imports the helper package (and torch): only when what it is drawn
    # from changed, the helper package, the pinned matplotlib or the title.
    root = Path(app.confdir)
    path = Path(app.outdir) / COVER
    key = hash_of(
        wheel_digest(root), (root / "requirements.txt").read_bytes(), app.config.project, SUBTITLE
    )
    if unchanged(app, "cover", key, [path]):
        return
    from glassbox import cover_png

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cover_png(app.config.project, SUBTITLE))
    stamp(app, "cover", key)


def complete_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """Give sphinx-sitemap every page, in a fixed order, not only those written now.

    sphinx-sitemap collects the pages as they are written, so a rebuild that rewrites
    one page would publish a sitemap of one page. This runs just before it writes the
    file: every document of the book goes into its queue, sorted.
    """
    queue = getattr(app, "sitemap_links", None)
    if exception is not None or queue is None or not is_site(app):
        return
    from sphinx_sitemap import is_excluded

    links: dict[str, str | None] = {}
    while not queue.empty():
        link, last_updated = queue.get()
        links[link] = last_updated
    for doc in app.env.found_docs:
        link = app.builder.get_target_uri(doc)
        if not is_excluded(link, app.config.sitemap_excludes):
            links.setdefault(link, None)
    for link in sorted(links):
        queue.put((link, links[link]))


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def build_commit(root: Path) -> tuple[str, bool] | None:
    """``(commit, has_local_changes)`` of the repository at ``root``, or ``None``."""
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return commit, bool(status)


class BuildInfoDirective(SphinxDirective):
    """``{build-info}``: "Last built from commit abc1234", linked to the repository."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        para = nodes.paragraph(classes=["glassbox-build-info"])
        found = build_commit(Path(self.env.app.confdir))
        if found is None:
            para += nodes.Text("Built from a copy of the source without its git history.")
            return [para]
        commit, dirty = found
        repo = str((self.config.html_theme_options or {}).get("repository_url", "")).rstrip("/")
        para += nodes.Text("Last built from commit ")
        code = nodes.literal(text=commit[:12])
        if repo:
            link = nodes.reference("", "", refuri=f"{repo}/commit/{commit}")
            link += code
            para += link
        else:
            para += code
        para += nodes.Text(" (with uncommitted changes)." if dirty else ".")
        return [para]


def root_state(app: Sphinx) -> tuple:
    """What the landing page shows besides its own source.

    The commit built (and whether the checkout has changes), from ``{build-info}``;
    the size of each print edition, from ``{book-downloads}``; and the builder, since
    the HTML, LaTeX and EPUB builds share one environment and ``{book-downloads}``
    lists the downloads on the web site only.
    """
    from glassbox_print import print_editions

    editions = tuple((name, path.stat().st_size) for name, path in print_editions(app).items())
    return app.builder.name, build_commit(Path(app.confdir)), editions


def reread_root_when_stale(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Read the landing page again when :func:`root_state` changed since its last read.

    Only then: reading it again costs every no-op rebuild a few seconds (Sphinx then
    renumbers the figures of the whole book).
    """
    root = app.config.root_doc
    if root not in env.found_docs:
        return []
    state = root_state(app)
    stale = getattr(env, "glassbox_root_state", None) != state
    env.glassbox_root_state = state
    return [root] if stale and root not in added | changed else []


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_sitemap")
    app.setup_extension("sphinxext.opengraph")
    app.setup_extension("notfound.extension")
    app.connect("config-inited", derive_settings, priority=400)
    app.connect("env-get-outdated", reread_root_when_stale)
    app.connect("build-finished", write_cover)
    app.connect("build-finished", complete_sitemap, priority=400)  # before the sitemap
    app.add_directive("build-info", BuildInfoDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
