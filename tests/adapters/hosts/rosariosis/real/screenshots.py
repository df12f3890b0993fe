"""Screenshots of RosarioSIS pages for the plugin's README, taken with Debian's headless
Chromium from the HTML a test's Browser received (with a <base> so the site's own styles and
images load), so the picture is exactly the page the test checked."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path



def take(page: str, base: str, out: Path, width: int = 1000, height: int = 700) -> None:
    """Renders page (HTML from base) into the PNG out."""
    html = re.sub(r"(?i)<head>", f'<head><base href="{base}">', page, count=1)
    with tempfile.TemporaryDirectory(prefix="eckid-shot-") as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(html)
        subprocess.run(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={tmp}/profile", f"--window-size={width},{height}",
             f"--screenshot={out}", source.as_uri()],
            check=True, capture_output=True, timeout=120)
