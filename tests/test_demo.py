import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_prints_real_gradient_checks():
    run = subprocess.run([sys.executable, "-m", "autograder", "demo"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    ok = [line for line in lines if "— OK, expect below 1e-07" in line]
    assert len(ok) >= 24
    assert any("published formula" in line for line in lines)
    published = lines[[i for i, line in enumerate(lines) if "published formula" in line][0] + 1]
    assert "— WRONG" in published
    assert any(line.startswith("Reference timing") and "over 15 pairs" in line for line in lines)
