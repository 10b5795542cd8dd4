#!/usr/bin/python3
"""gen_fixtures.py -- writes the spreadsheet fixtures of tests/data/files/.

Run from the project root:  /usr/bin/python3 tests/data/files/gen_fixtures.py
Needs Debian's python3-openpyxl and python3-xlwt (the system Python, hence
/usr/bin/python3) and ogr2ogr (gdal-bin).  The files it writes are committed;
the tests only read them.  Every person is invented (surnames 試験, 見本,
例示, 架空, 標本: "test", "sample", "example", "fictional", "specimen");
phone numbers are 090-0000-xxxx / 0767-00-xxxx dummies.
"""
import datetime
import os
import shutil
import subprocess
import tempfile

import openpyxl
import xlwt
from openpyxl.styles import Alignment, Font

OUT = os.path.dirname(os.path.abspath(__file__))

# The register as a municipality's 障害福祉課 keeps it: a title, a two-row
# header with merged cells, 和暦 dates written every way, Japanese care and
# device names, full-width digits, devices in columns.
HEAD_TOP = ["管理番号", "氏名", "フリガナ", "生年月日", "性別", "住所", "電話番号", "保護者氏名",
            "医療的ケアの内容", "機器１", None, None, "機器２", None, None, "備考"]
HEAD_SUB = [None] * 9 + ["種類", "消費電力(W)", "バッテリー(時間)"] * 2 + [None]
CHILDREN = [
    # id, name, kana, birth (as typed), sex, address, phone, guardian, care, dev1, dev2
    ("R-001", "試験\n花子", "シケン ハナコ", "令和2年1月1日", "女", "石川県見本市本町１－１",
     "０９０－００００－０００１", "試験 一郎", "人工呼吸器、気管切開、吸引",
     ("人工呼吸器", "６０", "８"), ("吸引器", "40", "1.5")),
    ("R-002", "見本 太郎", "ミホン タロウ", "R2.1.1", "男", "石川県見本市中町２－２",
     "090-0000-0002", "見本 次郎", "在宅酸素", ("酸素濃縮器", "300", "0"), None),
    ("R-003", "例示 さくら", "レイジ サクラ", "H30/4/1", "女", "石川県見本市北町３",
     "090-0000-0003", "例示 美咲", "経管栄養（胃ろう）・吸引",
     ("経管栄養ポンプ", "10W", "24時間"), ("吸引器", "35", "2")),
    ("R-004", "架空 陽斗", "カクウ ハルト", datetime.date(2016, 4, 12), "男",
     "石川県見本市南町４", "", "架空 由美", "人工呼吸器・吸引・導尿",
     ("人工呼吸器", "45", "6"), ("パルスオキシメーター", "3", "12")),
    ("R-005", "標本 結衣", "ヒョウホン ユイ", "平成３０年１２月２５日", "女", "石川県見本市東町５",
     "090-0000-0005", "標本 健", "中心静脈栄養", None, None),
]


def write_register(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台帳"
    ws["A1"] = "医療的ケア児台帳（令和６年４月１日現在）　見本市障害福祉課"
    ws.merge_cells("A1:P1")
    ws["A1"].font = Font(bold=True, size=14)
    for c, v in enumerate(HEAD_TOP, start=1):
        if v:
            ws.cell(row=3, column=c, value=v)
    for c, v in enumerate(HEAD_SUB, start=1):
        if v:
            ws.cell(row=4, column=c, value=v)
    for c, v in enumerate(HEAD_TOP, start=1):
        if v and HEAD_SUB[c - 1] is None:
            ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    ws.merge_cells("J3:L3")
    ws.merge_cells("M3:O3")
    for row in ws.iter_rows(min_row=3, max_row=4):
        for cell in row:
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r = 5
    for ch in CHILDREN:
        cid, name, kana, birth, sex, addr, phone, guardian, care, d1, d2 = ch
        values = [cid, name, kana, birth, sex, addr, phone, guardian, care]
        for d in (d1, d2):
            values += list(d) if d else [None, None, None]
        values.append("夜間は吸引が頻回" if cid == "R-001" else None)
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            if isinstance(v, datetime.date):
                cell.number_format = "[$-ja-JP]ggge\"年\"m\"月\"d\"日\""
        if cid == "R-002":
            r += 1          # a blank row inside the list, as people leave them
        r += 1
    wb.save(path)


SHELTERS = [
    ["ID", "名称", "所在地_全国地方公共団体コード", "所在地_連結表記", "緯度", "経度", "災害種別_洪水",
     "災害種別_地震", "想定収容人数"],
    ["S1", "見本第三小学校", "172022", "石川県見本市西町１", "37.0801", "136.9901", "○", "○", "500"],
    ["S2", "見本第四小学校", "172022", "石川県見本市西町２", "37.0802", "136.9902", "", "○", "屋内250人"],
    ["S3", "見本公園", "172022", "石川県見本市西町３", "37.0803", "136.9903", "×", "○", "-"],
]


def write_xls(path):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("避難所")
    for r, row in enumerate(SHELTERS):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.add_sheet("メモ").write(0, 0, "このシートは読まない")
    wb.save(path)


def write_xlsx_shelters(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表紙"
    ws["A1"] = "見本市 避難所一覧"
    data = wb.create_sheet("避難所")
    for row in SHELTERS:
        data.append(row)
    wb.save(path)


def write_ods(path):
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(tmp, "避難所.csv")
        with open(src, "w", encoding="utf-8") as f:
            for row in SHELTERS:
                f.write(",".join(row) + "\n")
        subprocess.run(["ogr2ogr", "-f", "ODS", path, src, "-oo", "HEADERS=YES",
                        "-oo", "AUTODETECT_TYPE=NO"], check=True)
    finally:
        shutil.rmtree(tmp)


def main():
    write_register(os.path.join(OUT, "register.xlsx"))
    write_xlsx_shelters(os.path.join(OUT, "shelters_second_sheet.xlsx"))
    write_xls(os.path.join(OUT, "shelters.xls"))
    if os.path.exists(os.path.join(OUT, "shelters.ods")):
        os.unlink(os.path.join(OUT, "shelters.ods"))
    write_ods(os.path.join(OUT, "shelters.ods"))
    # an Excel file saved under a .csv name, as the issue found
    shutil.copy(os.path.join(OUT, "register.xlsx"), os.path.join(OUT, "register_saved_as.csv"))
    # a binary file of another kind under a .csv name: the first bytes of a PDF
    with open(os.path.join(OUT, "not_a_table.csv"), "wb") as f:
        f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")


if __name__ == "__main__":
    main()
