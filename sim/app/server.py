"""Serve the page (:mod:`sim.app.page`) with Solara's server on the loopback interface.

Solara's HTML loads its scripts and styles from ``/_solara/cdn/``, which the server answers from
its asset folder (``<prefix>/share/solara/cdn``; the ``solara-assets`` package fills it) and
fetches from the internet only for a file missing there.  With the ``app`` extra installed
nothing is missing, so the page works offline; :func:`missing_offline_assets` says what would
be fetched.  Solara's usage telemetry and its "success" check call home, so both are turned off.
"""

from __future__ import annotations

import os
import re
import socket
import sys
import warnings
from pathlib import Path

from sim.app.provisional import PROVISIONAL_VARIABLE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
PAGE_MODULE = "sim.app.page"
SCENARIO_VARIABLE = "PARLEY_APP_SCENARIO"

_SOLARA_ENVIRONMENT = {
    "SOLARA_APP": PAGE_MODULE,
    "SOLARA_MODE": "production",  # no auto-reload, no tracebacks in the page, no "success" check
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_CHECK_HOOKS": "off",  # Mesa's SolaraViz trips Solara's hook linter on import
}


def serve_command(scenario: str, port: int, provisional: str = "auto") -> list[str]:
    """The command line that serves the page for ``scenario`` on ``port`` in a new process (the
    browser test and ``benchmarks/bench_app.py`` start it so)."""
    command = ["-m", "sim", "app", scenario, "--port", str(port), "--provisional", provisional]
    return [sys.executable, *command]


def configure(scenario: str, provisional: str = "auto") -> None:
    """Set the environment the page and Solara's settings read (before Solara is imported)."""
    os.environ.update(_SOLARA_ENVIRONMENT)
    os.environ[SCENARIO_VARIABLE] = scenario
    os.environ[PROVISIONAL_VARIABLE] = provisional


def missing_offline_assets() -> list[str]:
    """The packages Solara's HTML loads from its asset folder that are not in that folder.

    Each would be fetched from the internet on first use; an empty list means the page is
    served entirely from this machine.
    """
    import ipyvue
    import solara.server
    import solara.server.settings

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    text = template.read_text(encoding="utf-8")
    wanted = set(re.findall(r"\{\{cdn\}\}/((?:@[\w-]+/)?[\w.-]+@[\w.-]+)/", text))
    vue3 = str(ipyvue.__version__).startswith("3")
    wanted = {name for name in wanted if ("vuetify3-app" in name) == vue3 or "vuetify" not in name}
    fontawesome = solara.server.settings.assets.fontawesome_path.strip("/").split("/")[0]
    wanted.add(fontawesome)
    folder = Path(solara.server.settings.assets.proxy_cache_dir)
    return sorted(name for name in wanted if not (folder / name).is_dir())


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve(
    scenario: str,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    provisional: str = "auto",
) -> None:
    """Serve the page for ``scenario`` on ``host:port`` until interrupted (Ctrl+C); the page
    shows a provisional first slice of its batches as ``provisional`` says
    (:mod:`sim.app.provisional`)."""
    configure(scenario, provisional)
    import solara.server.settings
    import uvicorn

    solara.server.settings.telemetry.mixpanel_enable = False
    solara.server.settings.main.mode = "production"
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    uvicorn.run(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level="warning",
        ws_max_size=64 * 1024 * 1024,
    )
