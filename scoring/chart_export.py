"""Static chart export (图表导出): every published PNG and SVG from one Chromium page.

The dashboard's 结果发布 page and ``python -m scoring publish`` both call
``export(figures, out_dir)``. One headless Debian Chromium (driven through
choreographer, which kaleido already brings) loads plotly.js once into one page;
each figure is then drawn with ``Plotly.toImage`` in that page. kaleido's own
export reloads its page, and with it plotly.js, for every image: for the demo year
that was three quarters of the publishing time. The PNGs are byte-identical to
kaleido's (same plotly.js, same call).

Nothing here reads the process's plotly template default: figures are serialised
with the template they name (scoring.charts sets it), so the app and the command
line draw the same pixels. Fonts are loaded in the page before the first layout.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import plotly
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from scoring.charts import EXPORT_WIDTH, FONT_FAMILY

__all__ = ["BROWSER_CANDIDATES", "ExportError", "browser_path", "export"]

BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FIGURE_TIMEOUT = 120  # s per figure: generous, a loaded machine is slow but not stuck
PNG_SCALE = 2  # 2000 px wide: sharp on A4 at 180 mm (about 280 dpi)


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
        f'<body><div style="font-family:\'{family}\'">考评结果 0123456789</div></body></html>'
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

_DRAW = """
(async (fig, width, height, scale) => {
  const opts = {width: width, height: height, imageDataOnly: true};
  const png = await Plotly.toImage(fig, {...opts, format: "png", scale: scale});
  const svg = await Plotly.toImage(fig, {...opts, format: "svg", scale: 1});
  return [png, svg];
})(%s, %d, %d, %d)
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


async def _export_all(
    figures: Mapping[str, go.Figure],
    out_dir: Path,
    width: int,
    progress: Callable[[float], None] | None,
) -> list[Path]:
    import choreographer

    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="charts-page-") as tmp:
        index = Path(tmp) / "index.html"
        index.write_text(_index_html(), encoding="utf-8")
        try:
            browser = choreographer.Browser(path=browser_path(), headless=True)
            await asyncio.wait_for(browser.open(), 60)
        except ExportError:
            raise
        except Exception as exc:  # choreographer raises its own types when Chromium fails
            raise ExportError(f"无法启动 Chromium 导出图表：{exc}") from exc
        try:
            tab = await browser.create_tab(index.as_uri())
            family = FONT_FAMILY.split(",")[0].strip()
            if not await _evaluate(tab, _READY % family, 60):
                raise ExportError("Chromium 未能载入绘图脚本 plotly.js，图表未导出。")
            for k, (stem, fig) in enumerate(figures.items()):
                spec = json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder)
                height = int(fig.layout.height or 500)
                png, svg = await _evaluate(
                    tab, _DRAW % (spec, width, height, PNG_SCALE), FIGURE_TIMEOUT
                )
                png_path, svg_path = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
                png_path.write_bytes(base64.b64decode(png))
                svg_path.write_text(svg, encoding="utf-8")
                written += [png_path, svg_path]
                if progress:
                    progress((k + 1) / len(figures))
        except TimeoutError as exc:
            raise ExportError("导出图表超时（Chromium 无响应），请稍后重试。") from exc
        finally:
            await browser.close()
    return written


def export(
    figures: Mapping[str, go.Figure],
    out_dir: str | os.PathLike,
    progress: Callable[[float], None] | None = None,
    width: int = EXPORT_WIDTH,
) -> list[Path]:
    """Write each figure as ``{stem}.png`` (documents, twice the width) and ``{stem}.svg``
    (web) into ``out_dir``, all from one browser page; the paths written, PNG then SVG.

    Runs its own event loop: in the calling thread when it has none (Streamlit's script
    thread, the command line), so ``progress`` may update the page; else in a helper
    thread without progress."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BROWSER_PATH", browser_path())
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_export_all(figures, out, width, progress))
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = asyncio.run(_export_all(figures, out, width, None))
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name="chart-export")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
