"""Every command the README and the documentation pages show runs as written (short forms
of long runs), so that the documentation and the code cannot drift apart.

The ``bash`` blocks of README.md and docs/*.md are parsed; each
``.venv/bin/python TOVEvolution.py ...`` or ``.venv/bin/python -m source...`` command runs
in a temporary directory with the project's interpreter, its run shortened to 20 RK4
steps on 100 points (``--t-final`` / ``--steps`` / ``--num-points`` replaced). Files a
command reads (``run.h5``, ``out.h5``) are made first by a short run. ``make`` targets
are exercised by CI itself.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def readme_commands():
    text = "\n".join(path.read_text() for path in DOCUMENTS)
    cmds = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split("#")[0].strip()
            if line.startswith(".venv/bin/python"):
                cmds.append(line)
    return cmds


def shorten(argv):
    """20 RK4 steps on 100 points instead of the command's run length and grid."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--t-final", "--steps", "--num-points", "--r-max"):
            skip = True
            continue
        out.append(a)
    if "--restart-from" in out:
        return out + ["--steps", "40"]
    return out + ["--num-points", "100", "--r-max", "20", "--steps", "20"]


COMMANDS = list(dict.fromkeys(readme_commands()))      # each distinct command once


def test_the_readme_shows_commands():
    assert any("TOVEvolution.py" in c for c in COMMANDS)
    assert any("source.evolution.analysis" in c for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(command, tmp_path):
    argv = shlex.split(command)
    argv[0] = sys.executable
    if "TOVEvolution.py" in argv:
        argv[argv.index("TOVEvolution.py")] = str(ROOT / "TOVEvolution.py")
        argv = shorten(argv) + ["--quiet"]
    # paths into the repository (examples/...) are resolved against it
    argv = [str(ROOT / a) if "/" in a and (ROOT / a).exists() else a for a in argv]
    needs = set()
    if "--restart-from" in argv:
        needs.add(argv[argv.index("--restart-from") + 1])
    if "source.evolution.analysis" in argv:
        needs.update(a for a in argv if a.endswith(".h5"))
    for name in needs:
        subprocess.run([sys.executable, str(ROOT / "TOVEvolution.py"), "--num-points", "100",
                        "--r-max", "20", "--steps", "20", "--quiet", "--output", name],
                       cwd=tmp_path, check=True, timeout=600)
    res = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 0, (command, res.stderr[-2000:])
