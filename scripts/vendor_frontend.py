"""Fetch the front-end libraries the screens use, at pinned versions, into src/gridgov/web/static/vendor/.

The product must run with no internet and nothing to build, so the files are committed; this script is
the record of how they were obtained, and re-running it must reproduce them byte for byte (it checks
the npm registry's sha512 integrity of each tarball and writes the sha256 of every file it keeps to
VENDORED.md). It needs `npm` only when run, never at install or run time.

    python3 scripts/vendor_frontend.py          # fetch and (re)write the vendored files
    python3 scripts/vendor_frontend.py --check  # verify the committed files against VENDORED.md
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "gridgov" / "web" / "static" / "vendor"

# name, version, licence, files to keep (path in the npm tarball -> path under vendor/<name>/)
LIBRARIES = [
    ("leaflet", "1.9.4", "BSD-2-Clause", {
        "package/dist/leaflet.js": "leaflet.js",
        "package/dist/leaflet.css": "leaflet.css",
        "package/dist/images/layers.png": "images/layers.png",
        "package/dist/images/layers-2x.png": "images/layers-2x.png",
        "package/dist/images/marker-icon.png": "images/marker-icon.png",
        "package/dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
        "package/dist/images/marker-shadow.png": "images/marker-shadow.png",
        "package/LICENSE": "LICENSE",
    }),
    ("echarts", "6.1.0", "Apache-2.0", {
        "package/dist/echarts.min.js": "echarts.min.js",
        "package/LICENSE": "LICENSE",
        "package/NOTICE": "NOTICE",
        "package/licenses/LICENSE-d3": "LICENSE-d3",
    }),
    # the API reference at /docs (own docs.html + docs.js start it: no inline script, nothing from a CDN)
    ("swagger-ui-dist", "5.35.0", "Apache-2.0", {
        "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
        "package/swagger-ui.css": "swagger-ui.css",
        "package/LICENSE": "LICENSE",
        "package/NOTICE": "NOTICE",
        "package/swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle.js.LICENSE.txt",
    }),
]  # fmt: skip


def npm_pack(name: str, version: str, workdir: Path) -> tuple[bytes, str]:
    out = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(workdir)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    info = json.loads(out.stdout)[0]
    data = (workdir / info["filename"]).read_bytes()
    algo, _, expected = info["integrity"].partition("-")
    actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if actual != expected:
        sys.exit(f"{name}@{version}: the tarball does not match the registry's integrity {info['integrity']}")
    return data, info["integrity"]


def fetch() -> None:
    lines = ["# Vendored front-end libraries", "",
             "Written by `python3 scripts/vendor_frontend.py` (npm registry tarballs, integrity checked); "
             "`--check` verifies the files below.", ""]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, licence, files in LIBRARIES:
            data, integrity = npm_pack(name, version, Path(tmp))
            lines += [f"## {name} {version} ({licence})", "", f"npm `{name}@{version}`, tarball integrity `{integrity}`", ""]
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                for member, target in files.items():
                    content = tar.extractfile(member).read()
                    path = VENDOR / name / target
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(content)
                    lines.append(f"- `{name}/{target}` sha256 `{hashlib.sha256(content).hexdigest()}`")
            lines.append("")
    (VENDOR / "VENDORED.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"vendored {', '.join(f'{n}@{v}' for n, v, _, _ in LIBRARIES)} into {VENDOR.relative_to(ROOT)}")


def check() -> int:
    bad = 0
    for line in (VENDOR / "VENDORED.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("- `"):
            rel, digest = line[3:].split("` sha256 `")
            path = VENDOR / rel
            if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digest.rstrip("`"):
                print(f"changed or missing: {rel}")
                bad += 1
    print("vendored files match VENDORED.md" if not bad else f"{bad} vendored file(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    sys.exit(check() if parser.parse_args().check else fetch())
