"""Browser libraries from npm (package.json / package-lock.json at the repository root).

`npm ci` fills node_modules/ again only when the lock file changed (a stamp, like .venv's), and
the files the pages use are copied into static/vendor/ (ignored by git): served like Hall's own
static files, collected in production, never from a CDN. The Dockerfile does the same in a Node
build stage."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# What the pages load: (file in node_modules, path under static/vendor/).
VENDORED = [("echarts/dist/echarts.min.js", "echarts/echarts.min.js")]
# What the tests run from node_modules (devDependencies, which the Dockerfile omits): newman, for
# the TM Forum conformance kits (tests/openapi_tmf/test_conformance_kits.py).
TOOLS = ["newman/package.json"]
STAMP = ".hall-installed"


def _needs_install(project: Path) -> bool:
    stamp = project / "node_modules" / STAMP
    lock = project / "package-lock.json"
    return (
        not stamp.exists()
        or lock.stat().st_mtime > stamp.stat().st_mtime
        or not all((project / "node_modules" / source).exists() for source, _target in VENDORED)
        or not all((project / "node_modules" / tool).exists() for tool in TOOLS)
    )


def _apt_install_npm() -> str | None:
    """On a fresh Debian machine (CI) as root, as the browser tests' chromium is: Debian's nodejs and npm."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return None
    print("[hall] installing nodejs and npm (Debian) for the browser libraries", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "nodejs", "npm"], env=env, check=False, stdout=subprocess.DEVNULL
    )
    return shutil.which("npm")


def install(project: Path) -> None:
    """npm ci when needed, then copy the vendored files where the static finders look."""
    if _needs_install(project):
        npm = shutil.which("npm") or _apt_install_npm()
        if npm is None:
            sys.exit(
                "[hall] the staff dashboard's charts (ECharts) come from npm, which is missing: "
                "install Node.js 18 or newer with npm (on Debian: apt-get install nodejs npm)"
            )
        print("[hall] installing browser libraries into node_modules (npm ci)", flush=True)
        log = project / "node_modules.log"
        with log.open("w") as out:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"], cwd=project, stdout=out, stderr=subprocess.STDOUT
            )
        if done.returncode != 0:
            sys.stderr.write(log.read_text())
            sys.exit("[hall] npm ci failed (the output is above and in node_modules.log)")
        log.unlink()
        (project / "node_modules" / STAMP).touch()
    for source, target in VENDORED:
        src, dst = project / "node_modules" / source, project / "static" / "vendor" / target
        if not dst.exists() or dst.stat().st_size != src.stat().st_size or dst.stat().st_mtime < src.stat().st_mtime:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
