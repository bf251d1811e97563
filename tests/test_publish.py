"""Publishing: the pages branch, the CI workflow, and what a published site carries.

``make publish`` runs ``scripts/publish.py``; here it publishes the built book to a
bare repository in a temporary folder. The workflow file is checked against GitHub's
schema (check-jsonschema) and audited (zizmor), both installed from PyPI.
"""

from __future__ import annotations

import functools
import http.server
import re
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import glassbox_publish
import publish

HTML = ROOT / "_build" / "html"
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
BIN = Path(sys.executable).parent
SETTINGS = publish.settings()
BASE = SETTINGS["html.baseurl"]
PREFIX = glassbox_publish.site_prefix(BASE)

built = pytest.mark.skipif(
    not (HTML / "index.html").exists(), reason="no built book: run `make book` first"
)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


# --- the site address, set in one place -------------------------------------------


def test_placeholder_keys_are_found():
    assert publish.placeholder_keys(
        {"repository.url": "https://github.com/OWNER/glassbox", "html.baseurl": ""}
    ) == ["repository.url", "html.baseurl"]
    assert (
        publish.placeholder_keys(
            {
                "repository.url": "https://github.com/ada/glassbox",
                "html.baseurl": "https://ada.github.io/glassbox/",
            }
        )
        == []
    )


@pytest.mark.skipif(
    not publish.placeholder_keys(SETTINGS), reason="the site address is set: nothing refused"
)
def test_publish_refuses_the_placeholder_and_names_the_keys(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "publish.py"), "--remote", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "repository.url" in done.stderr and "html.baseurl" in done.stderr
    assert not any(tmp_path.iterdir()), "nothing may be written when publishing is refused"


def test_site_prefix_is_the_path_of_the_address():
    assert glassbox_publish.site_prefix("https://ada.github.io/glassbox/") == "/glassbox/"
    assert glassbox_publish.site_prefix("https://ada.github.io/glassbox") == "/glassbox/"
    assert glassbox_publish.site_prefix("https://book.example.org") == "/"


# --- publishing to a bare repository -------------------------------------------------


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@built
def test_publish_to_a_bare_repository_then_nothing_new(tmp_path):
    remote = tmp_path / "site.git"
    git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    assert publish.publish(HTML, str(remote), "gh-pages", "first") is True

    tree = set(git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).splitlines())
    for name in ("index.html", ".nojekyll", "glassbox-notebooks.zip", "404.html", "sitemap.xml"):
        assert name in tree, f"the pages branch has no {name}"
    assert tree == _files(HTML) | {".nojekyll"}, "the branch must hold _build/html and nothing else"
    first = git("rev-parse", "gh-pages", cwd=remote)

    assert publish.publish(HTML, str(remote), "gh-pages", "second") is False
    assert git("rev-parse", "gh-pages", cwd=remote) == first, "an unchanged site made a commit"
    assert git("rev-list", "--count", "gh-pages", cwd=remote) == "1"


@built
def test_a_changed_site_is_published_on_top_of_the_last(tmp_path):
    remote = tmp_path / "site.git"
    git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    site = tmp_path / "html"
    site.mkdir()
    for name in publish.REQUIRED:
        (site / name).write_text("one")
    assert publish.publish(site, str(remote), "pages", "one") is True
    (site / "index.html").write_text("two")
    assert publish.publish(site, str(remote), "pages", "two") is True
    assert git("rev-list", "--count", "pages", cwd=remote) == "2"
    assert git("show", "pages:index.html", cwd=remote) == "two"


def test_publish_refuses_a_folder_that_is_not_the_book(tmp_path):
    with pytest.raises(SystemExit, match="not a built book"):
        publish.publish(tmp_path, str(tmp_path / "nowhere.git"), "gh-pages", "x")


# --- the CI workflow ------------------------------------------------------------------


def test_workflow_matches_githubs_schema():
    done = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_passes_the_security_audit():
    done = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_tests_every_push_and_deploys_main_with_the_official_actions():
    text = WORKFLOW.read_text()
    assert re.search(r"^  push:", text, re.M) and re.search(r"^  pull_request:", text, re.M)
    assert "run: make test" in text
    assert "actions/upload-pages-artifact@" in text and "actions/deploy-pages@" in text
    assert "github.ref == 'refs/heads/main'" in text
    assert "hashFiles('requirements.txt')" in text and "_build/.jupyter_cache" in text


# --- what the published site carries --------------------------------------------------


@built
def test_sitemap_lists_every_chapter_at_the_site_address():
    sitemap = (HTML / "sitemap.xml").read_text()
    urls = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert urls and all(u.startswith(BASE) for u in urls)
    import bookexec

    for path in bookexec.toc_chapters():
        page = path.relative_to(ROOT).with_suffix(".html").as_posix()
        assert BASE + page in urls, f"{page} is not in the sitemap"
    assert not any(u.endswith(("404.html", "search.html", "genindex.html")) for u in urls)


@built
def test_chapter_pages_have_canonical_and_preview_tags():
    page = (HTML / "book" / "neural-networks" / "first-neural-network.html").read_text()
    canonical = BASE + "book/neural-networks/first-neural-network.html"
    assert f'<link rel="canonical" href="{canonical}"' in page
    assert f'<meta property="og:url" content="{canonical}"' in page
    assert f'<meta property="og:image" content="{BASE}_static/glassbox-cover.png"' in page
    assert '<meta property="og:title"' in page and '<meta property="og:image:alt"' in page
    assert page.count('name="description"') == 1, "one description per page, not two"


@built
def test_the_cover_card_is_a_1200_by_630_png():
    data = (HTML / "_static" / "glassbox-cover.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 630)


@built
def test_landing_page_names_the_commit_it_was_built_from():
    text = (HTML / "book" / "index.html").read_text()
    found = glassbox_publish.build_commit(ROOT)
    if found is None:
        assert "without its git history" in text
        return
    commit, _ = found
    assert "Last built from commit" in text
    assert f"/commit/{commit}" in text and commit[:12] in text


@built
def test_404_page_links_from_the_site_root():
    text = (HTML / "404.html").read_text()
    assert "Page not found" in text
    links = re.findall(r'(?:href|src)="([^"#]+)"', text)
    local = [u for u in links if not urlparse(u).scheme and not u.startswith("data:")]
    assert local and all(u.startswith(PREFIX) for u in local), (
        f"404.html has links that depend on the folder it is served from: "
        f"{[u for u in local if not u.startswith(PREFIX)][:5]}"
    )


# --- the 404 page in a browser, as a static host serves it -------------------------


class _PagesHost(http.server.SimpleHTTPRequestHandler):
    """Serve ``_build/html`` under the site's path, with 404.html for missing pages."""

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        path = urlparse(path).path
        if not path.startswith(PREFIX):
            return str(HTML / "__outside__")
        return super().translate_path("/" + path[len(PREFIX) :])

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        body = (HTML / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@built
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium")
def test_404_page_works_from_a_nested_address_and_asks_only_localhost():
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_PagesHost, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{httpd.server_address[1]}"
    missing = f"{host}{PREFIX}book/no/such/folder/page.html"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page()
            failed, requested, errors = [], [], []
            page.on("request", lambda r: requested.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on(
                "response",
                lambda r: (
                    failed.append(f"{r.url} ({r.status})")
                    if r.status >= 400 and r.url != missing
                    else None
                ),
            )
            response = page.goto(missing, wait_until="networkidle")
            assert response.status == 404
            assert "Page not found" in page.title()
            assert not failed, f"the 404 page's files did not load: {failed}"
            foreign = [
                u
                for u in requested
                if urlparse(u).hostname not in {"127.0.0.1", None} and not u.startswith("data:")
            ]
            assert not foreign, f"requests to other hosts: {foreign}"
            # Its stylesheet applied, and its links lead back into the book.
            assert page.eval_on_selector("body", "b => getComputedStyle(b).margin") == "0px"
            home = page.get_attribute("a.navbar-brand", "href")
            assert home and home.startswith(PREFIX)
            assert page.goto(host + home).status == 200
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


@built
def test_page_dates_are_the_commits_not_1970():
    import build_book

    year = time.gmtime(int(build_book.source_date_epoch())).tm_year
    for page in (HTML / "book" / "index.html", HTML / "404.html"):
        text = page.read_text()
        assert "1970" not in text, f"{page.name} shows the kernels' fixed date"
        assert (
            f"Copyright {year}" in text or f"Copyright</span> {year}" in text or str(year) in text
        )


def test_sitemap_gets_every_page_even_when_one_was_rewritten():
    import queue
    from types import SimpleNamespace

    links = queue.Queue()
    links.put(("book/b.html", None))  # the one page this rebuild wrote
    app = SimpleNamespace(
        sitemap_links=links,
        builder=SimpleNamespace(format="html", get_target_uri=lambda doc: doc + ".html"),
        env=SimpleNamespace(found_docs={"book/a", "book/b", "book/c", "search"}),
        config=SimpleNamespace(sitemap_excludes=["search.html"]),
    )
    glassbox_publish.complete_sitemap(app, None)
    got = [links.get_nowait()[0] for _ in range(links.qsize())]
    assert got == ["book/a.html", "book/b.html", "book/c.html"]
