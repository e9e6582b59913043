"""Run JupyterLab for a browser test: a throw-away folder, loopback only, a random port and token.

Used by tests/test_explorer_browser.py. Everything the server writes (config,
runtime files, settings, workspaces) goes under the temporary folder, so the
test neither reads nor changes the user's Jupyter set-up.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def course_folder(folder, cell_source):
    """Fill `folder` as a student's would be after solving the assignment, plus one notebook.

    cs231n_style is copied with the reference solution as its layers.py, so the
    plots show real data. Returns the notebook's file name.
    """
    shutil.copytree(ROOT / "cs231n_style", folder / "cs231n_style", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "autograder" / "reference" / "layers.py", folder / "cs231n_style" / "layers.py")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(cell_source)]
    nbformat.write(nb, folder / "explorer.ipynb")
    return "explorer.ipynb"


def _quiet_settings(settings_dir):
    # No "would you like news?" toast over the screenshot, no update checks.
    path = settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


class Lab:
    """A JupyterLab server serving `folder`; use as a context manager.

    Attributes: url (base URL with the token as a query), port, token, log (path of its output).
    """

    def __init__(self, folder, state):
        self.folder = Path(folder)
        self.state = Path(state)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log = self.state / "jupyterlab.log"
        self.process = None

    def __enter__(self):
        env = dict(os.environ)
        for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                          ("JUPYTER_DATA_DIR", "data"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                          ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):
            env[name] = str(self.state / sub)
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        _quiet_settings(self.state / "settings")
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.folder}", "--allow-root", "--LabApp.news_url=",
        ]
        self._log_file = open(self.log, "w")
        self.process = subprocess.Popen(command, cwd=self.folder, env=env, stdout=self._log_file,
                                        stderr=subprocess.STDOUT)
        try:
            self._wait_until_up(timeout=90)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name):
        return f"{self.url}/lab/tree/{name}?token={self.token}"

    def _wait_until_up(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"JupyterLab did not answer on {self.url} within {timeout} s; see {self.log}")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # the server shuts its kernels down on SIGTERM
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "_log_file", None):
            self._log_file.close()
        return False
