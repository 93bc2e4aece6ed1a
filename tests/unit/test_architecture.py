"""The layering of docs/ARCHITECTURE.md holds: import contracts (.importlinter) and module size."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
                          "--config", str(ROOT / ".importlinter"), "--no-cache"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_no_legacy_pages_folder_beside_the_entry_script():
    """A pages/ folder beside streamlit_app.py makes Streamlit run a new server's first session as a legacy
    multipage app (PagesManager.uses_pages_directory until st.navigation is first called): a link to a
    screen then met Streamlit's English "Page not found". The screens live in app_pages/."""
    assert not (ROOT / "pages").exists()
    assert (ROOT / "app_pages" / "public" / "login.py").exists()
