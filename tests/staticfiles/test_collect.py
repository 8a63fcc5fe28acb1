"""collectstatic as a function: copies, hashes, manifest, stylesheet rewriting, compression."""

from __future__ import annotations

import gzip
import logging
import sys
from pathlib import Path

import brotli
import pytest
from tests.staticfiles.helpers import APP_JS, LOGO, SITE_CSS, MakeApp, blueprint_with_static

from trellis.exceptions import ConfigurationError
from trellis.staticfiles import CollectReport, Manifest, StaticFiles
from trellis.staticfiles import compress as compression
from trellis.staticfiles.manifest import content_hash


def collect(make_app: MakeApp, **options: object) -> tuple[StaticFiles, CollectReport]:
    battery: StaticFiles = make_app(**options).extensions["staticfiles"]
    return battery, battery.collect()


def test_originals_hashed_copies_and_manifest(make_app: MakeApp, project: Path) -> None:
    battery, _ = collect(make_app)
    root = project / "staticfiles"
    assert battery.root == root.resolve()
    manifest = Manifest.load(root)
    assert manifest is not None
    assert sorted(manifest.paths) == ["css/site.css", "img/logo.png", "js/app.js"]
    assert manifest.paths["js/app.js"] == f"js/app.{content_hash(APP_JS)}.js"
    assert (root / "js" / "app.js").read_bytes() == APP_JS
    assert (root / manifest.paths["js/app.js"]).read_bytes() == APP_JS
    assert (root / manifest.paths["img/logo.png"]).read_bytes() == LOGO
    assert not (root / ".env").exists()


def test_stylesheet_points_at_hashed_image(make_app: MakeApp, project: Path) -> None:
    collect(make_app)
    root = project / "staticfiles"
    manifest = Manifest.load(root)
    assert manifest is not None
    hashed_css = (root / manifest.paths["css/site.css"]).read_text()
    logo = manifest.paths["img/logo.png"].split("/")[-1]
    assert f'url("../img/{logo}")' in hashed_css
    # The hash is that of the rewritten content; the plain copy stays as written.
    assert manifest.paths["css/site.css"] == f"css/site.{content_hash(hashed_css.encode())}.css"
    assert (root / "css" / "site.css").read_bytes() == SITE_CSS


def test_hashed_url_changes_with_content_even_through_css(make_app: MakeApp, project: Path) -> None:
    battery, _ = collect(make_app)
    before = Manifest.load(battery.root)
    (project / "static" / "img" / "logo.png").write_bytes(LOGO + b"changed")
    collect(make_app)
    after = Manifest.load(battery.root)
    assert before is not None
    assert after is not None
    assert before.paths["img/logo.png"] != after.paths["img/logo.png"]
    # site.css did not change, but it names the logo: its hash follows.
    assert before.paths["css/site.css"] != after.paths["css/site.css"]
    assert before.paths["js/app.js"] == after.paths["js/app.js"]
    # Old hashed files stay for pages still cached; --clear drops them.
    assert (battery.root / before.paths["img/logo.png"]).exists()
    battery.collect(clear=True)
    assert not (battery.root / before.paths["img/logo.png"]).exists()
    assert (battery.root / after.paths["img/logo.png"]).exists()


def test_compressed_siblings_when_smaller(make_app: MakeApp, project: Path) -> None:
    battery, report = collect(make_app)
    root = battery.root
    manifest = Manifest.load(root)
    assert manifest is not None
    for name in ("js/app.js", manifest.paths["js/app.js"]):
        assert gzip.decompress((root / f"{name}.gz").read_bytes()) == APP_JS
        assert brotli.decompress((root / f"{name}.br").read_bytes()) == APP_JS
    assert not (root / "img" / "logo.png.gz").exists()  # png: not a compressible type
    assert report.compressed == 8  # two files, each plain and hashed, two encodings


def test_tiny_files_are_not_compressed_when_it_does_not_help(
    make_app: MakeApp, project: Path
) -> None:
    (project / "static" / "tiny.txt").write_text("a")
    battery, _ = collect(make_app)
    assert not (battery.root / "tiny.txt.gz").exists()
    assert not (battery.root / "tiny.txt.br").exists()


def test_no_compress_removes_stale_siblings(make_app: MakeApp, project: Path) -> None:
    battery, _ = collect(make_app)
    assert (battery.root / "js" / "app.js.gz").exists()
    battery.collect(compress=False)
    assert not (battery.root / "js" / "app.js.gz").exists()
    assert not (battery.root / "js" / "app.js.br").exists()


def test_without_brotli_only_gzip_is_written_and_logged_once(
    make_app: MakeApp,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(compression, "_brotli", None)
    monkeypatch.setattr(compression, "_brotli_checked", False)
    monkeypatch.setitem(sys.modules, "brotli", None)  # import fails
    with caplog.at_level(logging.WARNING, logger="trellis.staticfiles"):
        battery, _ = collect(make_app)
        battery.collect()
    assert (battery.root / "js" / "app.js.gz").exists()
    assert not (battery.root / "js" / "app.js.br").exists()
    assert len([r for r in caplog.records if "brotli is not installed" in r.message]) == 1


def test_blueprint_files_collected_after_project_with_collision_warning(
    make_app: MakeApp, project: Path, tmp_path: Path
) -> None:
    blog = blueprint_with_static(
        tmp_path / "blog", "blog", {"blog/post.js": b"post", "js/app.js": b"hidden"}
    )
    battery = make_app(blueprints=(blog,)).extensions["staticfiles"]
    report = battery.collect()
    assert (battery.root / "blog" / "post.js").read_bytes() == b"post"
    assert (battery.root / "js" / "app.js").read_bytes() == APP_JS
    assert len(report.warnings) == 1
    assert "js/app.js" in report.warnings[0]
    assert "blueprint 'blog'" in report.warnings[0]


def test_missing_css_target_is_a_warning(make_app: MakeApp, project: Path) -> None:
    (project / "static" / "css" / "broken.css").write_text("a{b:url(nope.png)}")
    _, report = collect(make_app)
    assert any("nope.png" in w for w in report.warnings)


def test_stylesheets_importing_each_other(make_app: MakeApp, project: Path) -> None:
    css = project / "static" / "css"
    (css / "a.css").write_text('@import "b.css";')
    (css / "b.css").write_text('@import "c.css";')
    (css / "c.css").write_text("c{}")
    battery, _ = collect(make_app)
    manifest = Manifest.load(battery.root)
    assert manifest is not None
    hashed_a = (battery.root / manifest.paths["css/a.css"]).read_text()
    hashed_b = (battery.root / manifest.paths["css/b.css"]).read_text()
    assert hashed_a == f'@import "{manifest.paths["css/b.css"].split("/")[-1]}";'
    assert hashed_b == f'@import "{manifest.paths["css/c.css"].split("/")[-1]}";'


def test_import_cycle_keeps_a_plain_name(make_app: MakeApp, project: Path) -> None:
    css = project / "static" / "css"
    (css / "a.css").write_text('@import "b.css";')
    (css / "b.css").write_text('@import "a.css";')
    battery, report = collect(make_app)
    manifest = Manifest.load(battery.root)
    assert manifest is not None
    assert (battery.root / manifest.paths["css/b.css"]).read_text() == '@import "a.css";'
    assert any("refers back" in w for w in report.warnings)


@pytest.mark.parametrize("root", ["static", "static/out", ".", ".."])
def test_root_overlapping_sources_or_project_is_refused(make_app: MakeApp, root: str) -> None:
    battery = make_app(root=root).extensions["staticfiles"]
    with pytest.raises(ConfigurationError, match="static root"):
        battery.collect(clear=True)
