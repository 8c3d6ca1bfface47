"""Static chart export (图表导出): every published PNG and SVG from one Chromium page.

The dashboard's 结果发布 page and ``python -m scoring publish`` both call
``export(figures, out_dir)``. One headless Debian Chromium (driven through
choreographer, which kaleido already brings) loads plotly.js once into one page;
each figure is then laid out once with ``Plotly.toImage`` in that page (SVG) and
rasterised by plotly's ``Snapshot.svgToImg`` (PNG). kaleido's own export reloads its
page, and with it plotly.js, for every image: for the demo year that was three
quarters of the publishing time. The PNGs have the same pixels as kaleido's (same
plotly.js, the same steps); the SVGs differ only by plotly's random clip-path ids.

Nothing here reads the process's plotly template default: figures are serialised
with the template they name (scoring.charts sets it), so the app and the command
line draw the same pixels. Fonts are loaded in the page before the first layout.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from scoring.charts import EXPORT_WIDTH, FONT_FAMILY

__all__ = ["BROWSER_CANDIDATES", "ExportError", "Exporter", "Job", "browser_path", "export"]

BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FIGURE_TIMEOUT = 120  # s per figure: generous, a loaded machine is slow but not stuck
# 1600 px wide: sized for A4 (260 dpi across the 156 mm of the 通报's text, the PDF
# embeds them as they are) and still sharp on a screen at 1000 px; twice the width
# made files 1.6 times as heavy for nothing on paper.
PNG_SCALE = 1.6


class ExportError(RuntimeError):
    """The charts cannot be exported; the message says why, in Chinese."""


def browser_path() -> str:
    """Debian's Chromium (or $BROWSER_PATH); never a downloaded browser."""
    found = os.environ.get("BROWSER_PATH") or next(
        (p for p in BROWSER_CANDIDATES if Path(p).exists()), None
    )
    if not found or not Path(found).exists():
        raise ExportError(
            "导出静态图表需要 Chromium 浏览器，但本机没有安装。请安装 Debian 软件包 "
            "chromium（apt-get install chromium），或设置 BROWSER_PATH 指向浏览器。"
        )
    return found


def _index_html() -> str:
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    family = FONT_FAMILY.split(",")[0].strip()
    # A line in the chart font makes Chromium resolve the font before the first chart.
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<script src="{plotly_js.as_uri()}"></script></head>'
        f"<body><div style=\"font-family:'{family}'\">考评结果 0123456789</div></body></html>"
    )


_READY = """
(async () => {
  for (let i = 0; i < 600 && typeof Plotly === "undefined"; i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  if (typeof Plotly === "undefined") return false;
  await document.fonts.load("13px '%s'");
  await document.fonts.ready;
  return true;
})()
"""

# Each figure is laid out once: Plotly.toImage draws the SVG, and the PNG is that SVG
# rasterised by plotly's own svgToImg (what toImage does for a PNG after laying the
# figure out a second time). Same pixels as two toImage calls, in about half the time.
_DRAW = """
(async (fig, width, height, scale) => {
  const svg = await Plotly.toImage(
    fig, {format: "svg", width: width, height: height, scale: 1, imageDataOnly: true});
  const url = await Plotly.Snapshot.svgToImg({
    format: "png", width: width, height: height, scale: scale,
    canvas: document.createElement("canvas"), svg: svg, promise: true});
  return [url.replace(/^data:image\\/png;base64,/, ""), svg];
})(%s, %d, %d, %s)
"""


async def _evaluate(tab, expression: str, timeout: float):
    reply = await asyncio.wait_for(
        tab.send_command(
            "Runtime.evaluate",
            params={"expression": expression, "awaitPromise": True, "returnByValue": True},
        ),
        timeout,
    )
    result = reply.get("result", {})
    if "error" in reply or "exceptionDetails" in result:
        detail = reply.get("error") or result["exceptionDetails"].get("exception", {})
        raise ExportError(f"Chromium 绘制图表出错：{detail}")
    return result["result"].get("value")


class Exporter:
    """One headless Chromium page with plotly.js loaded, on an event loop in a thread of
    its own, started when the exporter is made: a publication makes it first, so that
    Chromium starts while the year is computed, and draws the charts while the workbook
    and the PDF's tables are made. ``submit`` hands it figures and returns at once;
    ``Job.result`` waits for the files. Use as a context manager (closes Chromium); a
    ``last`` submission closes it as soon as its charts are drawn, while the caller
    goes on (closing Chromium takes a good half second)."""

    def __init__(self, width: int = EXPORT_WIDTH) -> None:
        os.environ.setdefault("BROWSER_PATH", browser_path())
        self.width = width
        self._tmp = tempfile.TemporaryDirectory(prefix="charts-page-")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="chart-export", daemon=True
        )
        self._thread.start()
        self._browser: Any = None
        self._closing: asyncio.Task | None = None
        self._page = asyncio.run_coroutine_threadsafe(self._open(), self._loop)

    def __enter__(self) -> Exporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _open(self) -> Any:
        import choreographer

        index = Path(self._tmp.name) / "index.html"
        index.write_text(_index_html(), encoding="utf-8")
        try:
            self._browser = choreographer.Browser(path=browser_path(), headless=True)
            await asyncio.wait_for(self._browser.open(), 60)
        except Exception as exc:  # choreographer raises its own types when Chromium fails
            raise ExportError(f"无法启动 Chromium 导出图表：{exc}") from exc
        try:
            tab = await self._browser.create_tab(index.as_uri())
            family = FONT_FAMILY.split(",")[0].strip()
            if not await _evaluate(tab, _READY % family, 60):
                raise ExportError("Chromium 未能载入绘图脚本 plotly.js，图表未导出。")
        except TimeoutError as exc:
            raise ExportError("Chromium 载入绘图脚本超时，图表未导出。") from exc
        return tab

    async def _draw_all(
        self,
        figures: Mapping[str, go.Figure],
        out_dir: Path,
        done: queue.SimpleQueue,
        last: bool,
    ) -> list[Path]:
        written: list[Path] = []
        try:
            tab = await asyncio.wrap_future(self._page)
            for stem, fig in figures.items():
                spec = json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder)
                height = int(fig.layout.height or 500)
                png, svg = await _evaluate(
                    tab, _DRAW % (spec, self.width, height, PNG_SCALE), FIGURE_TIMEOUT
                )
                png_path, svg_path = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
                png_path.write_bytes(base64.b64decode(png))
                svg_path.write_text(svg, encoding="utf-8")
                written += [png_path, svg_path]
                done.put((stem, png_path))
        except TimeoutError as exc:
            raise ExportError("导出图表超时（Chromium 无响应），请稍后重试。") from exc
        finally:
            if last:  # closed in the background: the result does not wait for it
                self._closing = asyncio.get_running_loop().create_task(self._shut())
        return written

    async def _shut(self) -> None:
        """Close Chromium once (also when it is still starting)."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.wrap_future(self._page), 60)
        browser, self._browser = self._browser, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), 30)

    def submit(
        self, figures: Mapping[str, go.Figure], out_dir: str | os.PathLike, last: bool = False
    ) -> Job:
        """Start drawing ``figures`` into ``out_dir`` (``{stem}.png`` and ``{stem}.svg``);
        ``last``: nothing more will be submitted, close Chromium when they are drawn."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        done: queue.SimpleQueue = queue.SimpleQueue()
        future = asyncio.run_coroutine_threadsafe(
            self._draw_all(figures, out, done, last), self._loop
        )
        return Job(future, done, len(figures))

    def close(self) -> None:
        """Close Chromium (waiting for a close already under way) and stop the thread."""

        async def shut() -> None:
            if self._closing is not None:
                with contextlib.suppress(Exception):
                    await self._closing
            await self._shut()

        if self._loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(shut(), self._loop).result(120)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        if not self._loop.is_running():
            self._loop.close()
        self._tmp.cleanup()


@dataclass
class Job:
    """Charts being drawn by an Exporter, in the order submitted."""

    future: concurrent.futures.Future
    done: queue.SimpleQueue
    count: int
    pngs: dict[str, Path] = field(default_factory=dict)  # drawn so far, by stem

    def _wait(self, until: Callable[[], bool], progress: Callable[[float], None] | None) -> None:
        while not until():
            try:
                stem, png = self.done.get(timeout=0.1)
            except queue.Empty:
                if self.future.done():
                    self.future.result()  # raises what stopped the drawing
                    return
                continue
            self.pngs[stem] = png
            if progress and self.count:
                progress(len(self.pngs) / self.count)

    def pngs_of(
        self, stems: Iterable[str], progress: Callable[[float], None] | None = None
    ) -> dict[str, Path]:
        """The PNGs of ``stems`` as soon as those are drawn (the others may still be
        drawing): a document that needs a few charts submits them first."""
        wanted = list(stems)
        self._wait(lambda: all(s in self.pngs for s in wanted), progress)
        return {s: self.pngs[s] for s in wanted}

    def result(self, progress: Callable[[float], None] | None = None) -> list[Path]:
        """The paths written, PNG then SVG of each figure, once all are drawn; meanwhile
        ``progress`` (called in this thread, e.g. Streamlit's) gets the share drawn."""
        self._wait(lambda: len(self.pngs) == self.count, progress)
        return self.future.result()


def export(
    figures: Mapping[str, go.Figure],
    out_dir: str | os.PathLike,
    progress: Callable[[float], None] | None = None,
    width: int = EXPORT_WIDTH,
) -> list[Path]:
    """Write each figure as ``{stem}.png`` (documents, for A4) and ``{stem}.svg`` (web)
    into ``out_dir``, all from one browser page; the paths written, PNG then SVG.
    ``progress`` is called in the calling thread (Streamlit's script thread may update
    the page from it)."""
    with Exporter(width) as exporter:
        return exporter.submit(figures, out_dir, last=True).result(progress)
