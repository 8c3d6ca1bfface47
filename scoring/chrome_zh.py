"""Streamlit's own chrome in Chinese (界面汉化): the words its table toolbar and menus show.

Streamlit (1.67) has no language setting. Its table (``st.dataframe``) draws a toolbar whose
buttons show English tooltips ("Show/hide columns", "Search", "Fullscreen"), a column menu
("Sort ascending", "Pin column", "Hide column", "Statistics" …) and a search bar ("Type to
search", "3 results"); the tooltips and menus are rendered on hover or click into a portal
at the end of the page, each as a bare text, so CSS cannot tell one from another. What
works is a small script in the page (``st.html(..., unsafe_allow_javascript=True)``) that
watches the page and puts the Chinese words in place of these exact English ones as they
appear: ``script()`` builds it from the tables below.

Only Streamlit's chrome is touched: a text is replaced only when it is, whole, one of the
words below and sits inside one of Streamlit's own tooltips, menus or search bars
(``SCOPES``); the table's cells and every text a page writes are left alone. Accessible
names (``aria-label``/``title``) are translated where they begin with one of the words
(Streamlit writes "Search: <table label>"), so that screen readers say the same; they
only within ``ATTRIBUTE_SCOPES`` (the scopes and the select boxes' own buttons).

``english_labels()`` reads the installed Streamlit's table bundle for the words it shows, so
that a test notices a Streamlit upgrade that adds a word not translated here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

__all__ = [
    "ATTRIBUTE_SCOPES",
    "LABELS",
    "PATTERNS",
    "SCOPES",
    "english_labels",
    "script",
    "translate",
]

# English as Streamlit writes it -> what an office reads.
LABELS: dict[str, str] = {
    # The table's toolbar (tooltips and the buttons' accessible names).
    "Show/hide columns": "显示/隐藏列",
    "Download as CSV": "下载为 CSV",
    "Search": "搜索",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Clear selection": "取消选择",
    "Add row": "添加行",
    "Delete row(s)": "删除所选行",
    "Edit": "编辑",
    "Rename": "重命名",
    "Cancel (Escape)": "取消（Esc）",
    "Button action menu": "按钮操作菜单",
    "Edit markdown content": "编辑 Markdown 内容",
    "Markdown content": "Markdown 内容",
    "Audio player": "音频播放器",
    "Video player": "视频播放器",
    # The column menu (a click on a column heading).
    "Dataframe column menu": "列菜单",
    "Copy column name": "复制列名",
    "Sort ascending": "升序排列",
    "Sort descending": "降序排列",
    "Statistics": "统计",
    "Format": "数字格式",
    "Autosize": "自动列宽",
    "Pin column": "固定此列",
    "Unpin column": "取消固定",
    "Hide column": "隐藏此列",
    # The column menu's 统计 submenu.
    "Values": "值个数",
    "Empty": "空值",
    "Distinct": "不同值",
    "Minimum": "最小值",
    "Maximum": "最大值",
    "Average": "平均值",
    "Median": "中位数",
    "Sum": "合计",
    "Standard deviation": "标准差",
    "25th percentile": "第 25 百分位数",
    "75th percentile": "第 75 百分位数",
    "Range": "范围",
    "Count": "个数",
    "Distance": "跨度",
    "Duration": "时长",
    "Average length": "平均长度",
    "Minimum length": "最短长度",
    "Maximum length": "最长长度",
    "No data": "无数据",
    "Based on sample": "基于抽样",
    # The column menu's 数字格式 submenu.
    "Automatic": "自动",
    "Localized": "本地格式",
    "Plain": "不加格式",
    "Compact": "紧凑",
    "Percent": "百分数",
    "Scientific": "科学计数法",
    "Accounting": "会计格式",
    "Dollar": "美元",
    "Euro": "欧元",
    "Yen": "日元",
    "Calendar": "日历",
    # The column visibility menu and the search bar.
    "Select all": "全选",
    "Type to search": "输入以搜索",
    "Previous Result": "上一个结果",
    "Next Result": "下一个结果",
    "Close Search": "关闭搜索",
    "over 1000": "超过 1000 条",
    "No content": "无内容",
    # The drop-down lists of st.selectbox / st.multiselect (typing a name that matches none).
    "No results": "无匹配项",
    # The select boxes' own buttons (accessible names only).
    "Open": "展开",
    "Clear value": "清除",
    "Clear all": "全部清除",
    "Selected values": "已选项",
}

# Texts with a number in them: (regular expression over the whole text, replacement).
PATTERNS: list[tuple[str, str]] = [
    (r"^(\d+) results?$", r"\1 条结果"),
    (r"^Save \((.+)\+Enter\)$", r"保存（\1+Enter）"),
    (r"^Select (\d+) matches$", r"选择全部 \1 个匹配项"),
    (r"^Remove (.+)$", r"移除 \1"),  # a chosen option's ✕ in st.multiselect
    (
        r"^You can only select up to (\d+) options?\. Remove an option first\.$",
        r"最多只能选择 \1 项，请先移除一项。",
    ),
]

# Where Streamlit renders the texts above (tooltips, the table's menus, the search bar).
SCOPES = (
    '[data-testid="stTooltipContent"]',
    '[data-testid="stDataFrameColumnMenu"]',
    '[data-testid="stDataFrameColumnFormattingMenu"]',
    '[data-testid="stDataFrameColumnVisibilityMenu"]',
    '[data-testid^="stDataFrameStatistics"]',
    ".gdg-search-bar",
    # The toolbar's buttons (their accessible names; their tooltips are above).
    '[data-testid="stElementToolbar"]',
    '[data-testid="stSelectboxVirtualDropdown"]',
    '[data-testid="stMultiSelectDropdown"]',
)

# Where accessible names are translated too: the scopes and the select boxes themselves
# (their texts, which are the page's options, are not).
ATTRIBUTE_SCOPES = (*SCOPES, '[data-testid="stSelectbox"]', '[data-testid="stMultiSelect"]')

_COMPILED = [(re.compile(pattern), replacement) for pattern, replacement in PATTERNS]


def translate(text: str) -> str | None:
    """The Chinese for one whole English text of Streamlit's chrome, or None (leave it).

    >>> translate("Sort ascending"), translate("3 results"), translate("市水利局")
    ('升序排列', '3 条结果', None)
    """
    if text in LABELS:
        return LABELS[text]
    for pattern, replacement in _COMPILED:
        if pattern.fullmatch(text):
            return pattern.sub(replacement, text)
    return None


_SCRIPT = """<script data-chinese-chrome>
(() => {
  if (window.__chineseChrome) return;
  window.__chineseChrome = true;
  const LABELS = %(labels)s;
  const PATTERNS = %(patterns)s.map(([p, r]) => [new RegExp(p), r.replace(/\\\\(\\d)/g, "$$$1")]);
  const SCOPE = %(scope)s;
  const ATTRIBUTE_SCOPE = %(attribute_scope)s;
  const ATTRS = ["aria-label", "title", "placeholder"];
  const say = (text) => {
    if (Object.prototype.hasOwnProperty.call(LABELS, text)) return LABELS[text];
    for (const [re, r] of PATTERNS) if (re.test(text)) return text.replace(re, r);
    return null;
  };
  const text = (node) => {
    const t = node.nodeValue.trim();
    if (!t || !node.parentElement || !node.parentElement.closest(SCOPE)) return;
    const z = say(t);
    if (z !== null) node.nodeValue = node.nodeValue.replace(t, z);
  };
  const attrs = (el) => {
    if (!el.closest(ATTRIBUTE_SCOPE)) return;
    for (const a of ATTRS) {
      const v = el.getAttribute(a);
      if (!v) continue;
      const whole = say(v);
      if (whole !== null) { el.setAttribute(a, whole); continue; }
      const cut = v.indexOf(": ");
      const head = cut < 0 ? v : v.slice(0, cut);
      const z = Object.prototype.hasOwnProperty.call(LABELS, head) ? LABELS[head] : null;
      if (z !== null) el.setAttribute(a, cut < 0 ? z : z + "：" + v.slice(cut + 2));
    }
  };
  const walk = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return text(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    attrs(root);
    for (const el of root.querySelectorAll("[aria-label],[title],[placeholder]")) attrs(el);
    const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) text(n);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "childList") r.addedNodes.forEach(walk);
      else if (r.type === "characterData") text(r.target);
      else attrs(r.target);
    }
  }).observe(document.body, {
    childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ATTRS,
  });
  walk(document.body);
})();
</script>"""


def script() -> str:
    """The page script (HTML) that puts ``LABELS`` and ``PATTERNS`` in place of Streamlit's
    English within ``SCOPES``; it installs itself once per browser tab."""
    return _SCRIPT % {
        "labels": json.dumps(LABELS, ensure_ascii=False),
        "patterns": json.dumps(PATTERNS, ensure_ascii=False),
        "scope": json.dumps(", ".join(SCOPES)),
        "attribute_scope": json.dumps(", ".join(ATTRIBUTE_SCOPES)),
    }


_LABEL = re.compile(r"""(?:label|title|"aria-label"|children):`([A-Z][A-Za-z0-9/() ]*)`""")
_MENU = re.compile(r"""\),`([A-Z][A-Za-z ]*)`\]""")


def english_labels(bundle: Path | None = None) -> set[str]:
    """The English words the installed Streamlit's bundles for the table (``DataFrame.*.js``,
    the toolbar's ``Toolbar.*.js``) and the drop-down lists (``Selectbox.*.js``,
    ``Multiselect.*.js``) give their buttons, menu entries, statistics and empty lists."""
    if bundle is None:
        import importlib.util

        spec = importlib.util.find_spec("streamlit")
        assert spec is not None and spec.origin is not None
        bundle = Path(spec.origin).parent / "static" / "static" / "js"
    found: set[str] = set()
    for name in ("DataFrame.*.js", "Toolbar.*.js", "Selectbox.*.js", "Multiselect.*.js"):
        for path in bundle.glob(name):
            source = path.read_text(encoding="utf-8")
            found.update(_LABEL.findall(source))
            found.update(_MENU.findall(source))
    return found
