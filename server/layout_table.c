/* layout_table.c -- the header names and value words municipalities publish,
 * one table for every kind (DESIGN.md section 5, v2).
 *
 * Each entry says which canonical column (DESIGN.md section 4) a header
 * feeds, how its values are written, and the names seen in published files,
 * best first: when a file has two of them (ID and NO, 所在地_連結表記 and 住所),
 * the first is used and the second fills its empty cells.  Names are
 * compared by jp_header_key, so full-width letters, 、 for _, spaces and
 * case need no entries of their own.  Names beginning with '@' are not
 * columns but hints (a 受入対象者 column, a 方書 to append to the address).
 * To support a new published layout, add its names here and a signature to
 * known_layouts below. */
#include "server/layout_table.h"

#define K_ALL (K_C | K_D | K_S | K_P | K_F)
#define K_PLACE (K_S | K_P | K_F)

const struct layout_target layout_targets[] = {
    /* identifiers */
    { K_PLACE, "external_id", F_ID,
      "external_id|ID|共通ID|施設ID|避難所ID|施設番号|事業所番号|医療機関コード|NO|番号|通し番号", NULL },
    { K_C, "external_id", F_ID,
      "external_id|管理番号|台帳番号|整理番号|児童番号|登録番号|受給者証番号|受給者番号|ID|児童ID", NULL },
    { K_D, "child_external_id", F_ID,
      "child_external_id|管理番号|台帳番号|整理番号|児童番号|登録番号|児童ID|ID", NULL },
    { K_PLACE | K_C, "municipality", F_MUNI,
      "municipality|市区町村コード|所在地_全国地方公共団体コード|全国地方公共団体コード|"
      "都道府県コード又は市区町村コード|地方公共団体コード|自治体コード|団体コード", NULL },
    /* names and places */
    { K_PLACE, "name", F_LINE,
      "name|名称|施設・場所名|施設名|施設名称|避難所名|避難所名称|避難場所名|指定緊急避難場所名|"
      "指定避難所名|福祉避難所名|事業所名|事業所名称|医療機関名|医療機関名称|名前", NULL },
    { K_C, "name", F_LINE, "name|氏名|児童氏名|対象児氏名|本人氏名|児童名|名前|お名前", NULL },
    { K_C, "name_kana", F_LINE,
      "name_kana|ふりがな|フリガナ|よみがな|ヨミガナ|氏名カナ|氏名(カナ)|氏名(ふりがな)|カナ氏名|"
      "氏名ふりがな|氏名フリガナ|カナ", NULL },
    { K_PLACE, "address", F_LINE,
      "address|所在地_連結表記|住所|所在地|住所_連結表記|所在地住所|所在地(住所)", NULL },
    { K_C, "address", F_LINE, "address|住所|現住所|居住地|自宅住所|居所", NULL },
    { K_PLACE | K_C, "@hougaki", F_LINE, "方書|建物名等(方書)|建物名等|建物名|方書き", NULL },
    { K_PLACE | K_C, "lat", F_COORD, "lat|緯度|latitude|y(緯度)", NULL },
    { K_PLACE | K_C, "lon", F_COORD, "lon|経度|lng|long|longitude|x(経度)", NULL },
    { K_PLACE, "phone", F_PHONE, "phone|電話番号|電話|tel|連絡先電話番号|代表電話番号", NULL },
    { K_C, "phone", F_PHONE, "phone|電話番号|自宅電話番号|自宅電話|電話|tel", NULL },
    { K_PLACE, "notes", F_LINE, "notes|備考|摘要|特記事項", NULL },
    /* shelters */
    { K_S, "capacity", F_CAP,
      "capacity|想定収容人数|想定収用人数|収容人数|収容可能人数|受入可能人数|収容人員|想定収容人員|"
      "収容者数|定員", NULL },
    { K_S, "kind", F_ENUM, "kind|避難所種別|施設種別|種別|区分|施設区分",
      "指定福祉避難所=welfare|福祉避難所=welfare|指定緊急避難場所=emergency_site|"
      "緊急避難場所=emergency_site|避難場所=emergency_site|指定避難所=designated|避難所=designated" },
    { K_S, "welfare", F_BOOL, "welfare", NULL },
    { K_S, "@welfare_flag", F_HINT,
      "福祉避難所|指定福祉避難所|要配慮者|要配慮者受入|福祉避難所の指定|福祉避難所指定|"
      "福祉避難所該当", NULL },
    { K_S, "@target", F_HINT,
      "受入対象者|受入対象者の範囲|受け入れ対象者|受入れ対象者|受入対象|対象者", NULL },
    { K_S, "@emergency_list", F_HINT,
      "指定避難所との重複|指定避難所との住所同一|指定避難所との併設|指定避難所との重複の有無", NULL },
    { K_S, "flood", F_BOOL, "flood|災害種別_洪水|洪水", NULL },
    { K_S, "landslide", F_BOOL,
      "landslide|災害種別_崖崩れ、土石流及び地滑り|崖崩れ、土石流及び地滑り|災害種別_崖崩れ、土石流、地滑り|"
      "崖崩れ、土石流、地滑り|災害種別_土砂災害|土砂災害|崖崩れ等|土砂", NULL },
    { K_S, "storm_surge", F_BOOL, "storm_surge|災害種別_高潮|高潮", NULL },
    { K_S, "earthquake", F_BOOL, "earthquake|災害種別_地震|地震", NULL },
    { K_S, "tsunami", F_BOOL, "tsunami|災害種別_津波|津波", NULL },
    { K_S, "fire", F_BOOL,
      "fire|災害種別_大規模な火事|大規模な火事|災害種別_大規模火災|大規模火災|火災", NULL },
    { K_S, "inland_flood", F_BOOL, "inland_flood|災害種別_内水氾濫|内水氾濫", NULL },
    { K_S, "volcano", F_BOOL, "volcano|災害種別_火山現象|火山現象|火山", NULL },
    { K_S, "status", F_ENUM, "status|開設状況|開設状態|状態",
      "開設=open|開設中=open|未開設=closed|閉鎖=closed|満員=full|満室=full" },
    { K_S, "power_w", F_NUM,
      "power_w|医療用電源|医療用電源(w)|電源容量|供給可能電力|非常用電源容量|非常用電源出力", NULL },
    { K_S | K_P, "outlets", F_NUM, "outlets|コンセント数|医療用コンセント数|コンセント", NULL },
    { K_S | K_P, "backup_power", F_ENUM,
      "backup_power|非常用電源|非常用電源の種類|非常用発電機|自家発電設備|非常用電源設備",
      "太陽光=solar_battery|ソーラー=solar_battery|電源車=vehicle|電気自動車=vehicle|車両=vehicle|"
      "給電車=vehicle|蓄電池=battery|バッテリー=battery|発電=generator|なし=none|無=none|×=none|-=none" },
    { K_S | K_P, "backup_h", F_NUM,
      "backup_h|非常用電源の稼働時間|非常用電源稼働時間|稼働時間|連続運転時間|燃料持続時間", NULL },
    /* power points */
    { K_P, "kind", F_ENUM, "kind|種別|種類|区分|電源の種類|施設種別",
      "電源車=power_vehicle|給電車=power_vehicle|発電機=generator|発電=generator|電気自動車=ev|"
      "ev=ev|充電=ev|病院=hospital|医療機関=hospital|蓄電池=battery_station|"
      "バッテリーステーション=battery_station|公共施設=public_facility|市役所=public_facility|"
      "公民館=public_facility|事業所=business|企業=business|店舗=business|民間=business" },
    { K_P, "output_w", F_NUM, "output_w|出力|出力(w)|供給可能電力|定格出力|最大出力|供給電力", NULL },
    { K_P, "hours", F_TEXT, "hours|利用可能時間|利用時間|開設時間|受付時間|営業時間", NULL },
    { K_P, "public", F_BOOL, "public|公開|一般公開|公開可否|公表", NULL },
    { K_P, "status", F_ENUM, "status|利用可否|状態|稼働状況",
      "利用不可=unavailable|不可=unavailable|停止=unavailable|利用可=available|可=available|"
      "稼働=available" },
    { K_P, "dispatchable", F_BOOL, "dispatchable|派遣可|派遣|出張給電|貸出", NULL },
    { K_P, "range_km", F_NUM, "range_km|派遣範囲|派遣範囲(km)|走行可能距離", NULL },
    /* facilities */
    { K_F, "kind", F_ENUM,
      "kind|医療機関の種類|介護サービスの種類|サービスの種類|サービス種類|サービス種別|事業種別|"
      "施設種別|種類|種別",
      "児童発達支援センター=child_development_center|重症心身=severe_day_service|"
      "放課後等デイ=day_service|児童発達支援=day_service|訪問看護=visiting_nurse|"
      "短期入所=short_stay|ショートステイ=short_stay|相談支援=consultation|"
      "病院=hospital|診療所=clinic|クリニック=clinic|医院=clinic|保育=nursery|学校=school|*=other" },
    { K_F, "capacity", F_CAP, "capacity|定員|利用定員|病床数|受入可能人数", NULL },
    { K_F, "medical_care", F_BOOL,
      "medical_care|医療的ケア|医療的ケア児の受入|医療的ケア児受入|医療的ケア対応|医ケア対応", NULL },
    /* children */
    { K_C, "birth_date", F_DATE, "birth_date|生年月日|誕生日", NULL },
    { K_C, "sex", F_ENUM, "sex|性別", "男=male|女=female|m=male|f=female" },
    { K_C, "guardian_name", F_LINE,
      "guardian_name|保護者氏名|保護者名|保護者|保護者の氏名", NULL },
    { K_C, "guardian_phone", F_PHONE,
      "guardian_phone|保護者電話番号|保護者連絡先|保護者の電話番号|緊急連絡先|保護者携帯電話", NULL },
    { K_C, "care", F_CARE,
      "care|医療的ケアの内容|医療的ケア|必要な医療的ケア|医療的ケア内容|ケアの内容|医療的ケアの種類", NULL },
    { K_C, "mobility", F_ENUM, "mobility|移動手段|移動方法|避難時の移動|移動",
      "ストレッチャー=stretcher|寝台=stretcher|車いす=wheelchair|車椅子=wheelchair|"
      "バギー=wheelchair|徒歩=walk|歩行=walk|独歩=walk" },
    { K_C, "hospital", F_LINE,
      "hospital|主治医療機関|かかりつけ医療機関|主治医|かかりつけ医|医療機関|病院", NULL },
    { K_C, "supporters", F_LINE, "supporters|支援者|支援者氏名", NULL },
    { K_C, "consent", F_BOOL,
      "consent|同意|情報提供への同意|情報共有の同意|同意の有無|情報提供同意", NULL },
    { K_C, "source", F_LINE, "source|報告元|情報元|担当課|把握元|所管課", NULL },
    { K_C, "district", F_LINE, "district|地区|校区|小学校区|町丁目", NULL },
    { K_C, "affiliation", F_ENUM, "affiliation|所属|所属先の種類|通園通学先の種類",
      "特別支援学校=special_school|支援学校=special_school|保育=nursery|幼稚園=kindergarten|"
      "こども園=kindergarten|学校=school|児童発達支援=day_service|放課後等デイ=day_service|"
      "在宅=home|自宅=home|*=other" },
    { K_C, "affiliation_name", F_LINE,
      "affiliation_name|所属先|所属先名|通園通学先|学校名|園名", NULL },
    { K_C, "grade", F_LINE, "grade|学年", NULL },
    { K_C, "severe_disability", F_BOOL,
      "severe_disability|重症心身障害|重症心身障害児|重心", NULL },
    { K_C, "utility_registered", F_BOOL,
      "utility_registered|電力会社への登録|電力会社登録|電力会社への事前登録", NULL },
    /* devices: a devices file, or the columns of a children register */
    { K_D | K_C, "type", F_DEVTYPE,
      "type|機器|使用機器|機器名|医療機器|機器の種類|使用している医療機器|使用医療機器", NULL },
    { K_D, "type", F_DEVTYPE, "種類|品名", NULL },
    { K_D | K_C, "power_w", F_NUM, "power_w|消費電力|電力|消費電力量", NULL },
    { K_D | K_C, "battery_h", F_NUM,
      "battery_h|バッテリー駆動時間|バッテリー|駆動時間|バッテリー時間|内部バッテリー|"
      "バッテリー持続時間", NULL },
    { K_D | K_C, "life_sustaining", F_BOOL, "life_sustaining|生命維持|生命維持装置", NULL },
    { K_D | K_C, "maker", F_LINE, "maker|メーカー|製造元|製造販売元", NULL },
    { K_D | K_C, "model", F_LINE, "model|機種|型番|機種名|型式", NULL },
    { K_D | K_C, "settings", F_LINE, "settings|設定|設定値", NULL },
};

const size_t layout_ntargets = sizeof layout_targets / sizeof layout_targets[0];

/* The layouts people know by name: their signature columns as published.
 * The best match names the layout of a file, and the nearest one is named
 * when a file is not recognised. */
const struct layout_known layout_known[] = {
    { K_S, "digital-agency", "デジタル庁 自治体標準オープンデータセット 指定緊急避難場所一覧・指定避難所一覧",
      "ID|名称|名称_カナ|所在地_全国地方公共団体コード|所在地_連結表記|緯度|経度|標高|電話番号|"
      "災害種別_洪水|災害種別_地震|想定収容人数" },
    { K_S, "digital-agency-prefecture",
      "デジタル庁 推奨データセット 避難所一覧（旧版・都道府県版）",
      "市区町村コード|NO|名称|名称_カナ|住所|方書|緯度|経度|標高|電話番号|想定収容人数" },
    { K_S, "gsi-emergency-site", "国土地理院 指定緊急避難場所データ",
      "NO|共通ID|施設・場所名|住所|洪水|崖崩れ、土石流及び地滑り|高潮|地震|津波|大規模な火事|"
      "内水氾濫|火山現象|指定避難所との住所同一|緯度|経度|備考" },
    { K_S, "gsi-shelter", "国土地理院 指定避難所データ",
      "NO|共通ID|施設・場所名|住所|想定収容人数|受入対象者|緯度|経度|備考" },
    { K_S, "welfare-list", "福祉避難所一覧", "施設名|所在地|電話番号|受入対象者|緯度|経度" },
    { K_S, "canonical", "powermap 標準形式（避難所）",
      "external_id|name|kind|lat|lon|address|capacity|welfare|power_w|outlets" },
    { K_P, "canonical", "powermap 標準形式（電源供給ポイント）",
      "external_id|name|kind|lat|lon|address|output_w|outlets|hours|public" },
    { K_P, "power-map", "電源マップ（電源供給ポイント一覧）",
      "ID|名称|種別|住所|緯度|経度|出力|コンセント数|利用可能時間|公開" },
    { K_C, "canonical", "powermap 標準形式（医療的ケア児）",
      "external_id|name|name_kana|birth_date|address|lat|lon|mobility|care" },
    { K_C, "children-register", "医療的ケア児台帳（市町村の Excel 台帳）",
      "管理番号|氏名|ふりがな|生年月日|性別|住所|電話番号|保護者氏名|医療的ケアの内容|使用機器|消費電力|"
      "バッテリー駆動時間" },
    { K_D, "canonical", "powermap 標準形式（医療機器）",
      "child_external_id|type|power_w|battery_h|life_sustaining" },
    { K_D, "devices-register", "医療機器一覧（台帳の別表）", "管理番号|使用機器|消費電力|バッテリー駆動時間" },
    { K_F, "canonical", "powermap 標準形式（地域資源）",
      "external_id|name|kind|lat|lon|address|phone|medical_care|capacity" },
    { K_F, "digital-agency-medical", "デジタル庁 自治体標準オープンデータセット 医療機関一覧",
      "都道府県コード又は市区町村コード|NO|名称|名称_カナ|医療機関の種類|住所|方書|緯度|経度|電話番号|"
      "診療科目|病床数" },
    { K_F, "digital-agency-care", "デジタル庁 自治体標準オープンデータセット 介護サービス事業所一覧",
      "都道府県コード又は市区町村コード|NO|名称|名称_カナ|事業所番号|介護サービスの種類|住所|方書|緯度|"
      "経度|電話番号|定員" },
};

const size_t layout_nknown = sizeof layout_known / sizeof layout_known[0];

/* What a kind needs, and how to say it. */
const struct layout_kind layout_kinds[] = {
    { "children", K_C, "external_id|name", "医療的ケア児" },
    { "devices", K_D, "child_external_id", "医療機器" },
    { "shelters", K_S, "name|external_id", "避難所" },
    { "power-points", K_P, "name|external_id", "電源供給ポイント" },
    { "facilities", K_F, "name|external_id", "地域資源" },
};

const size_t layout_nkinds = sizeof layout_kinds / sizeof layout_kinds[0];
