"""TM Forum's conformance kits (CTK) for the TMF facades: where the kits are, and running one with
newman (installed by `npm ci` from package.json's devDependencies, as `./hallctl test` does).

The kits are not in this repository (TM Forum's licence; read-only in CI): HALL_TMF_CTK names
their folder, else `../shared/tmf-ctk` beside the repository, else /work/shared/tmf-ctk. Their
`run-kit.js` exits 1 on any failed request or assertion (the kits' own index.js always exits 0)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.live_server import PROJECT

NODE_MODULES = PROJECT / "node_modules"
ATTEMPTED = "HALL_TMF_CTK, <repository>/../shared/tmf-ctk, /work/shared/tmf-ctk"
# Preloaded into run-kit.js (`node -r`): the kit runs unchanged, and every failed assertion or
# request is also printed with the request sent and the answer (newman's cli reporter only numbers
# them when run-kit.js exits at once). Lines start with "CTK-FAIL".
EXPLAIN = r"""
const newman = require(process.env.NEWMAN);
const run = newman.run;
newman.run = function (options, callback) {
  const emitter = run.call(newman, options, callback), answers = {}, sent = {};
  const shown = (text, n) => {
    const line = text.replace(/\s*\n\s*/g, ' ');
    return line.length > n ? line.slice(0, n) + '…' : line;
  };
  const described = (r) => {
    const body = r.body && r.body.raw ? `\n  body: ${shown(r.body.raw, 1500)}` : '';
    return `${r.method} ${r.url.toString()}${body}`;
  };
  emitter.on('request', (err, a) => {
    sent[a.item.id] = described(a.request || a.item.request);
    answers[a.item.id] = err ? `error: ${err.message}` : `${a.response.code} ${a.response.status}\n  ` +
      shown(a.response.stream ? a.response.stream.toString() : '', 3000);
    if (err) console.log(`\nCTK-FAIL request "${a.item.name}": ${err.message}\n  request: ${sent[a.item.id]}`);
  });
  emitter.on('assertion', (err, a) => {
    if (!err) return;
    console.log(`CTK-FAIL "${a.item.name}" / "${a.assertion}": ${err.message}\n  request: ` +
      `${sent[a.item.id] || described(a.item.request)}\n  response: ${answers[a.item.id] || '(none)'}`);
  });
  emitter.on('exception', (err, a) => console.log(`CTK-FAIL exception: ${a && a.error ? a.error.message : err}`));
  return emitter;
};
"""


def kit_root() -> Path:
    """The folder with run-kit.js, tmf620/ and tmf622/; fails (never skips) when there is none."""
    candidates = []
    if os.environ.get("HALL_TMF_CTK"):
        candidates.append(Path(os.environ["HALL_TMF_CTK"]))
    candidates += [PROJECT.parent / "shared" / "tmf-ctk", Path("/work/shared/tmf-ctk")]
    for folder in candidates:
        if (folder / "run-kit.js").is_file():
            return folder.resolve()
    raise AssertionError(
        f"TM Forum conformance kits not found (looked at {ATTEMPTED}: "
        f"{', '.join(str(c) for c in candidates)}); set HALL_TMF_CTK to the folder with run-kit.js"
    )


def node() -> str:
    found = shutil.which("node")
    assert found, "node is missing: the conformance kits run on Node.js (apt-get install nodejs npm)"
    return found


def newman() -> Path:
    found = NODE_MODULES / "newman"
    assert (found / "package.json").is_file(), (
        f"newman is missing from {NODE_MODULES}: it is a devDependency in package.json, which "
        "`./hallctl test` installs with npm ci (or run `npm ci` in the repository)"
    )
    version = json.loads((found / "package.json").read_text())["version"]
    assert version.startswith("4."), f"the kits need newman 4.x, {found} is {version}"
    return found


def run_kit(
    kit: str, base_url: str, *headers: str, payload: dict | None = None, timeout: float = 300
) -> tuple[int, str]:
    """`node run-kit.js KITDIR BASEURL HEADER… [--payload FILE]`: its exit code and its output."""
    root = kit_root()
    env = dict(os.environ, NODE_PATH=str(NODE_MODULES), NEWMAN=str(newman()), NO_COLOR="1", FORCE_COLOR="0")
    with tempfile.TemporaryDirectory(prefix="tmf-ctk-") as scratch:
        explain = Path(scratch) / "explain.js"
        explain.write_text(EXPLAIN)
        command = [node(), "-r", str(explain), str(root / "run-kit.js"), str(root / kit), base_url, *headers]
        if payload is not None:
            payload_file = Path(scratch) / "payload.json"
            payload_file.write_text(json.dumps(payload, ensure_ascii=False))
            command += ["--payload", str(payload_file)]
        done = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr


def failures(output: str, limit: int = 20000) -> str:
    """Every failed request and assertion (name, request, answer), then the kit's summary line."""
    lines, keep = [], False
    for line in output.splitlines():
        if line.startswith("CTK-FAIL"):
            keep = True
        elif not line.startswith("  "):
            keep = False
        if keep:
            lines.append(line)
    summary = [line for line in output.splitlines() if "assertions " in line and "requests " in line]
    return "\n".join(lines)[:limit] + ("\n" + summary[-1] if summary else "")
