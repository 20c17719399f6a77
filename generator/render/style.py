"""The one typography of the disclosure: page, fonts, sizes, spacing and table headers.

Data only. `scripts/make_docx_template.py` writes the DOCX styles from it, the HTML/CSS
(templates/html/print.css is a Jinja template over `STYLE`) reads the same values, and
`generator/render/layout.py` computes every table's column widths from these sizes and
the content. Change a size here and both documents follow; they cannot drift apart.

Why these values (see also README "Typography"):
- Body text follows GB/T 9704-2012 (党政机关公文格式), which 财政 publications follow:
  三号 (16 pt) 仿宋_GB2312, fixed 28 pt line pitch (22 lines per page), 一级标题 黑体,
  二级标题 楷体_GB2312, text block 156 mm x 225 mm (margins 37/35/28/26 mm).
- Tables follow the budget system's printed 公开表: 宋体 小五 (9 pt) on portrait pages and
  8 pt on the two 16-column landscape tables (表2, 表7), headers 黑体-free plain 宋体 bold,
  合计/类 rows bold.
- Fonts name the Windows/WPS families first (what the officer's machine has), then a free
  face of the same style from Debian (FandolFang 仿宋, FandolKai 楷体, Noto Sans CJK 黑体,
  Noto Serif CJK 宋体); widths are the same since CJK glyphs are 1 em.
"""

from __future__ import annotations

from dataclasses import dataclass

PT_MM = 25.4 / 72  # one point in millimetres

# --------------------------------------------------------------------------- fonts


@dataclass(frozen=True)
class Font:
    name: str  # the CJK family the DOCX names (Word/WPS: w:eastAsia)
    alt: str  # the DOCX font-table altName (a common substitute)
    faces: tuple[str, ...]  # free faces of this style from Debian packages: what the PDF is set in on Linux
    latin: tuple[str, str]  # DOCX digits and Latin letters (w:ascii/w:hAnsi), with its metric twin
    package: str  # the Debian package that provides `faces`
    last_resort: tuple[str, ...] = ("Noto Serif CJK SC",)  # only for characters the faces lack

    @property
    def styled(self) -> tuple[str, ...]:
        """Every family that is this style: one of them must be installed (pdf.check_fonts)."""
        return tuple(dict.fromkeys((self.name, self.alt, *self.faces)))

    def css(self) -> str:
        """The CSS stack: the CJK faces first, so the line's strut, the digits and the ambiguous-width
        punctuation (“ ” ‘ ’ … —) are all in the face of this style. A Latin font first would set
        the quotation marks half-width and, its ascent and descent differing from the CJK face's,
        make WeasyPrint's line boxes taller than the declared pitch (29.5 pt instead of 28).
        Fandol's and Noto's digits are 0.5 em wide, as Times New Roman's (the DOCX's) are."""
        families = (*self.styled, *self.last_resort, *self.latin, "HanaMinA", "HanaMinB")
        return ", ".join(f'"{f}"' for f in dict.fromkeys(families))


# Digits in Times New Roman / Arial in the DOCX, as Chinese government documents set them; LibreOffice
# uses the metric-compatible Liberation fonts. See README "Typography" for the choice of the faces.
SERIF_LATIN = ("Times New Roman", "Liberation Serif")
SANS_LATIN = ("Arial", "Liberation Sans")
FANDOL_PACKAGE = "texlive-lang-chinese"
FANGSONG = Font("仿宋_GB2312", "仿宋", ("FangSong", "FandolFang"), SERIF_LATIN, FANDOL_PACKAGE)
HEITI = Font("黑体", "SimHei", ("Noto Sans CJK SC",), SANS_LATIN, "fonts-noto-cjk", ("Noto Sans CJK SC",))
KAITI = Font("楷体_GB2312", "楷体", ("KaiTi", "FandolKai"), SERIF_LATIN, FANDOL_PACKAGE)
SONGTI = Font("宋体", "SimSun", ("Noto Serif CJK SC",), SERIF_LATIN, "fonts-noto-cjk")
FONTS = {"fangsong": FANGSONG, "heiti": HEITI, "kaiti": KAITI, "songti": SONGTI}

# --------------------------------------------------------------------------- page


@dataclass(frozen=True)
class Page:
    width: float  # mm
    height: float
    top: float
    bottom: float
    left: float
    right: float
    footer: float  # footer distance from the page edge, mm

    @property
    def text_width(self) -> float:
        return self.width - self.left - self.right


PORTRAIT = Page(210, 297, top=37, bottom=35, left=28, right=26, footer=20)
LANDSCAPE = Page(297, 210, top=20, bottom=20, left=20, right=20, footer=10)

# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class Text:
    font: str  # key of FONTS
    size: float  # pt
    line: float | None = None  # exact line pitch, pt (None: single spacing of the font)
    bold: bool = False
    align: str = "left"  # left | center | right | justify
    indent: float = 0  # first-line indent, em
    left: float = 0  # left indent, em
    before: float = 0  # pt
    after: float = 0  # pt


BODY_SIZE = 16.0  # 三号
BODY_LINE = 28.0
TEXT: dict[str, Text] = {
    "cover_unit": Text("heiti", 26, align="center", before=200, after=24),
    "cover_title": Text("heiti", 36, align="center", before=36),
    "toc_title": Text("heiti", 22, align="center", after=18),
    "toc_part": Text("heiti", 12, line=20, before=4),
    "toc_item": Text("fangsong", 10.5, line=20, left=2),
    "part": Text("heiti", 22, align="center", before=0, after=18),  # 第X部分
    # 第四部分 名词解释 is a page and a half closing the document: it runs on below the end of
    # 第三部分 (a short 其他需说明的事项 under the last 绩效目标表) after two blank lines, instead of
    # leaving that page mostly empty and spilling the last 名词解释 and the signature onto one more.
    "part_runon": Text("heiti", 22, align="center", before=2 * BODY_LINE, after=18),
    "section": Text("heiti", BODY_SIZE, line=BODY_LINE, align="justify", indent=2),  # 一、…
    "subsection": Text("kaiti", BODY_SIZE, line=BODY_LINE, align="justify", indent=2),  # （一）…
    "body": Text("fangsong", BODY_SIZE, line=BODY_LINE, align="justify", indent=2),
    "signature": Text("fangsong", BODY_SIZE, line=BODY_LINE, align="right"),
    "table_label": Text("heiti", 12, after=2),
    "table_title": Text("songti", 18, bold=True, align="center", after=6),
    "table_unit": Text("songti", 10.5, after=3),
    "table_note": Text("fangsong", 12, before=6, indent=2),
    "perf_title": Text("heiti", BODY_SIZE, align="center", before=12),
    "perf_year": Text("fangsong", 12, align="center", after=4),
    # PDF running head on the continuation pages of a 绩效目标表: "项目名称：…（续）"
    "perf_continued": Text("songti", 10.5, line=14, after=3),
    "footer": Text("songti", 10.5, align="center"),
}

# Unbreakable runs in the DOCX: an amount with its unit ("151.50万元"), a 文号 ("昌州党办〔2019〕36号"),
# the last characters of a paragraph ("数。" alone under it; filters.unbreakable_runs). The PDF keeps
# them in no-wrap spans (filters.keep_end); Word has no such rule, and an invisible joiner (U+2060)
# shows as a box in WPS and breaks text search, so the text is left as it is and the LibreOffice pass
# of the DOCX reads each paragraph's lines and changes the character spacing of a paragraph whose
# line break falls inside a run (docx.RunKeeper): condensed just enough to take the run's tail up
# (its width + CONDENSE_SLACK em over the characters before it on the line, never more than
# CONDENSE_MAX em per character), else expanded just enough to move the run down whole (at most
# EXPAND_MAX em per character); a last line of at most LONE_LINE characters counts as such a break.
LONE_LINE = 2
CONDENSE_SLACK = 0.3  # em
CONDENSE_MAX = 0.1  # em per character
EXPAND_MAX = 0.6  # em per character: a line keeps 1/1.6 of its characters; the PDF justifies such a line alike
RUN_ROUNDS = 6  # layouts read again after adjusting (warm office; the cold path: COLD_RUN_ROUNDS)
COLD_RUN_ROUNDS = 3

# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Grid:
    size: float  # pt
    line: float  # line pitch as a multiple of the size
    pad_x: float = 1.0  # mm, left and right cell padding
    pad_y: float = 0.5  # mm, top and bottom
    min_row: float = 4.5  # mm, minimum body row height


PORTRAIT_GRID = Grid(9.0, 1.25)
LANDSCAPE_GRID = Grid(8.0, 1.2, min_row=4.0)
PERF_GRID = Grid(8.0, 1.25, pad_x=0.7)  # 9 dense columns: short values kept whole
HEAD_BOLD = True
# Row styles printed bold, in both documents.
BOLD_ROWS = frozenset({"class", "econ-class", "total"})


@dataclass(frozen=True)
class HeadCell:
    """A header cell. `|` marks where a line may break (between words); `\\n` forces a break."""

    text: str
    colspan: int = 1
    rowspan: int = 1

    @property
    def published(self) -> str:
        return self.text.replace("|", "")


def h(text: str, colspan: int = 1, rowspan: int = 1) -> HeadCell:
    return HeadCell(text, colspan, rowspan)


# Body texts of a table kind that stay on one line when the table has room: (column, em). 表7's ten
# economic columns stand mostly empty and their headers break into short words (format.yaml), so the
# width goes to 项目名称 (whole project names, no "技术服务运/维费").
KEEP_WHOLE_EM: dict[str, tuple[tuple[int, float], ...]] = {"一般公共预算项目支出": ((4, 40.0),)}

# 项目支出绩效目标表 (format-2023.md §7.1): 9 columns; info block labels, then the indicator header.
PERF_COLUMNS = 9
PERF_HEAD = (
    "一级|指标",
    "二级|指标",
    "三级|指标",
    "指标值",
    "指标值|设置依据",
    "上年|完成值",
    "指标|分值|权重",
    "指标|赋分规则",
    "佐证|资料",
)
PERF_ALIGN = "cclcccccc"
PERF_LEVEL3_MIN_EM = 7.0  # 三级指标 is descriptive text: never crushed to a few characters a line
# Columns whose short texts (指标值 "<=14.38万元", 赋分规则 "按照正常比例赋分", …) never wrap when they
# can fit; 三级指标 is descriptive text and takes what is left.
PERF_KEEP_WHOLE = frozenset({0, 1, 3, 4, 5, 6, 7, 8})
PERF_FIELDS = ("level1", "level2", "level3", "value", "basis", "last_value", "weight", "scoring", "evidence")
# Info block labels: (text, first column, last column).
PERF_LABELS = (
    ("预算|单位", 0, 0),
    ("项目|名称", 0, 0),
    ("项目|负责人", 6, 6),
    ("项目资金|（万元）", 0, 0),
    ("年度预算|总额：", 1, 1),
    ("其中：|财政拨款", 3, 3),
    ("其他|资金：", 5, 6),
    ("项目|总体目标", 0, 0),
)
