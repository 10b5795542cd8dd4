/* jptext.h -- values as Japanese municipalities publish them (DESIGN.md
 * section 5, v2): NFKC normalisation (utf8proc), header keys, yes/no marks,
 * capacities with notes, 和暦 dates, municipality codes, line breaks inside
 * names, care and device names.
 *
 * Pure code: no database, network or HTTP.  Every function takes valid
 * UTF-8 (csv.c guarantees it) and never keeps its argument. */
#ifndef POWERMAP_JPTEXT_H
#define POWERMAP_JPTEXT_H

#include <stddef.h>

/* NFKC of s (full-width letters and digits to ASCII, half-width katakana to
 * full width, ㎡ to m2 ...), trimmed of spaces.  Returns a malloc'd string
 * the caller frees, or NULL when memory runs out. */
char *jp_nfkc(const char *s);

/* The key a header name is compared by: NFKC, case-folded, without spaces
 * and the separators municipalities use interchangeably (_ 、 ・ , . - and
 * the Japanese middle dots).  "災害種別_崖崩れ、土石流及び地滑り" and
 * "災害種別_崖崩れ_土石流及び地滑り" give the same key; so do "ＮＯ" and
 * "No.".  Writes at most cap bytes with the NUL; returns 0, or -1 when the
 * key does not fit or memory runs out. */
int jp_header_key(const char *s, char *out, size_t cap);

/* A yes/no cell as published.  Yes: ○ ◯ 〇 ● ◎ 有 有り あり 可 1 1.0 yes
 * true ...; no: × ✕ － - ― 無 無し なし 不可 0 no false and empty.  A mark
 * followed by a note -- "○(2階)", "○（２階）", "○ 2階以上" -- counts as the
 * mark, and the note ("2階") is written to note (cap bytes; "" when none).
 * Returns 1, 0, or -1 when the cell is not a yes/no. */
int jp_yesno(const char *s, char *note, size_t cap);

/* A capacity in persons: the indoor figure of "屋内1,371人／屋外5,470人",
 * else the first number in the text ("800(2㎡あたり1人)" is 800, "約500人"
 * is 500).  Returns the count >= 0; -1 when the cell says nothing (empty,
 * "-", "不明", "なし", an outdoor figure only); -2 when it is text with no
 * number. */
long jp_capacity(const char *s);

/* A date: YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, 和暦 (令和2年1月1日,
 * 令和元年5月1日, R2.1.1, H30/4/1, 平成30年4月1日, S60.1.1), full-width
 * digits, and Excel's "2020/01/01 00:00:00".  Writes YYYY-MM-DD (11 bytes).
 * Returns 0, or -1 when s is not a real calendar date (also a 和暦 year
 * before its era began or after it ended). */
int jp_date(const char *s, char out[11]);

/* A 全国地方公共団体コード: 6 digits (with the check digit, verified) or 5
 * digits (the check digit is added); "17202" and "172022" both give
 * "172022".  Returns 0, or -1 when s is not such a code. */
int jp_municipality(const char *s, char out[7]);

/* s on one line: a line break between two Japanese characters is removed,
 * elsewhere it becomes one space; leading and trailing spaces are trimmed.
 * Returns a malloc'd string, or NULL when memory runs out. */
char *jp_one_line(const char *s);

/* A care list in Japanese or canonical words (人工呼吸器, 気管切開, 吸引,
 * 在宅酸素, 経管栄養, 胃ろう, 中心静脈栄養, 透析 ... or ventilator;suction),
 * separated by 、 , ; ・ / or line breaks, written as the canonical
 * ';'-separated list (duplicates dropped).  An item no word matches is
 * "other" and is copied to unknown (cap bytes, "、"-joined) so that the
 * caller can warn.  Returns 0, or -1 when out does not fit. */
int jp_care(const char *s, char *out, size_t cap, char *unknown, size_t ucap);

/* The canonical device type of a Japanese device name (人工呼吸器 ->
 * "ventilator", 吸引器 -> "suction", 酸素濃縮器 -> "oxygen_concentrator",
 * 経管栄養ポンプ/栄養ポンプ -> "feeding_pump", 輸液ポンプ -> "infusion_pump",
 * パルスオキシメーター -> "pulse_oximeter", 加温加湿器 -> "humidifier",
 * 排痰補助装置 -> "cough_assist", 電動ベッド -> "electric_bed"); NULL when
 * none matches (the caller keeps the name as written). */
const char *jp_device_type(const char *s);

/* Whether a device of that type keeps a child alive (a ventilator). */
int jp_device_life_sustaining(const char *type);

#endif
