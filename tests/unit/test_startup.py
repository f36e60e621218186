"""The first page of a fresh server draws without PyTorch; the warm-up loads the rest afterwards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=300).stdout


def test_the_entry_points_imports_leave_pytorch_unloaded() -> None:
    out = run_python(
        "import sys\n"
        "import pages.components.startup, pages.components.catalog, pages.components.ui\n"
        "from pages.components.ui import device_text, torch_version\n"
        "print(device_text() is None, torch_version() != 'not installed')\n"
        "print(sorted(m for m in ('torch', 'altair', 'pandas', 'nnlib.training.runner') if m in sys.modules))\n"
    )
    assert out.split("\n")[:2] == ["True True", "[]"]


def test_warm_up_loads_what_the_course_pages_need() -> None:
    out = run_python(
        "import sys\n"
        "from pages.components import startup\n"
        "startup.warm_up_in_background()\n"
        "startup.warm_up_in_background()  # once per process\n"
        "assert startup.warm_up_done.wait(240)\n"
        "from pages.components.ui import device_text, torch_version\n"
        "import torch\n"
        "print([m for m in startup.WARM_MODULES + ('torch._dynamo',) if m not in sys.modules])\n"
        "print(device_text() is not None, torch_version() == torch.__version__)\n"
        "print(sum(t.name == 'nnlib-warm-up' for t in __import__('threading').enumerate()))\n"
    )
    assert out.split("\n")[:3] == ["[]", "True True", "0"]
