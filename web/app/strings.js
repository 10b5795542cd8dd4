// strings.js -- every Japanese word the screens show, in one place.
// Enumerations map the API's stable English values to what staff read.

export const APP = '医療的ケア児 電源・避難支援';

export const NAV = [
  ['#/children', '名簿'],
  ['#/map', '地図'],
  ['#/plans', '計画'],
  ['#/outage', '停電対応'],
  ['#/import', '取り込み'],
  ['#/council', '協議の場'],
];

export const ROLE = { viewer: '閲覧', planner: '計画担当', admin: '管理者' };

export const CARE = {
  ventilator: '人工呼吸器', tracheostomy: '気管切開', suction: '吸引', oxygen: '在宅酸素',
  tube_feeding: '経管栄養', iv: '中心静脈栄養', dialysis: '透析', other: 'その他',
};

export const MOBILITY = { walk: '歩行可', wheelchair: '車いす', stretcher: 'ストレッチャー' };

export const SEX = { female: '女', male: '男', other: 'その他' };

export const AFFILIATION = {
  home: '在宅', nursery: '保育所', kindergarten: '幼稚園', school: '小・中学校',
  special_school: '特別支援学校', day_service: '通所（デイ）', other: 'その他',
};

export const RELATION = { '': '—' };

export const CONTACT_ROLE = {
  doctor: '主治医', visiting_nurse: '訪問看護', consultant: '相談支援専門員',
  device_dealer: '機器業者', utility: '電力会社', other: 'その他',
};

export const DECISION = {
  stay_home: '在宅避難', charge: '充電に行く', evacuate: '避難する', unassigned: '行き先なし',
};

// The map's colours per decision (also in the legend); contrast checked on white.
export const DECISION_COLOUR = {
  stay_home: '#1b7f3b', charge: '#1f5fbf', evacuate: '#b35c00', unassigned: '#c0182b',
  none: '#555555',
};

export const PLAN_STATUS = { draft: '下書き', agreed: '合意済み', shared: '共有済み' };

export const CALL = {
  not_reached: 'つながらない', safe_home: '自宅で無事', leaving: '避難中',
  needs_transport: '搬送が必要', arrived: '避難先に到着', hospitalised: '入院', other: 'その他',
};

export const HAZARD = {
  none: 'なし（停電のみ）', flood: '洪水', landslide: '土砂災害', storm_surge: '高潮',
  earthquake: '地震', tsunami: '津波', fire: '大規模な火事', inland_flood: '内水氾濫',
  volcano: '火山',
};

export const DEST_TYPE = { shelter: '避難所', power_point: '電源供給ポイント', facility: '施設' };

export const SHELTER_KIND = {
  designated: '指定避難所', emergency_site: '指定緊急避難場所', welfare: '福祉避難所',
};

export const POWER_KIND = {
  generator: '発電機', ev: '電気自動車', hospital: '病院', battery_station: '蓄電池ステーション',
  public_facility: '公共施設', business: '事業所', power_vehicle: '電源車',
};

export const IMPORT_KIND = {
  children: '医療的ケア児', devices: '医療機器', shelters: '避難所',
  'power-points': '電源供給ポイント', facilities: '施設（資源）', hazards: 'ハザード区域',
};

export const LAYER = {
  children: '医療的ケア児（職員のみ）', shelters: '避難所', power_points: '電源供給ポイント',
  facilities: '施設（資源）', hazard_areas: 'ハザード区域', outages: '停電区域',
};

// Field labels of the child form (the API's names on the left).
export const FIELD = {
  external_id: '台帳番号', name: '氏名', name_kana: 'ふりがな', birth_date: '生年月日',
  sex: '性別', phone: '電話番号', address: '住所', district: '地区', lat: '緯度', lon: '経度',
  mobility: '移動', care: '医療的ケア', guardian_name: '保護者氏名',
  guardian_phone: '保護者電話', hospital: '病院', source: '報告した課',
  affiliation: '所属', affiliation_name: '所属先', grade: '学年',
  severe_disability: '重症心身障害', consent: '支援者との情報共有に同意',
  consent_date: '同意日', consent_scope: '同意の範囲',
  utility_registered: '電力会社に機器を登録済み', home_battery_wh: '家庭用蓄電池（Wh）',
  home_generator_w: '発電機の出力（W）', home_generator_h: '発電機の燃料（時間）',
  car_inverter_w: '車のインバーター（W）',
  type: '機器', maker: 'メーカー', model: '型番', power_w: '消費電力（W）',
  battery_h: 'バッテリー（時間）', life_sustaining: '生命維持', duty: '使い方',
  minutes_per_hour: '1時間あたりの使用（分）', charge_h: '充電時間（時間）',
  backup_h: '代替手段（時間）', settings: '設定',
  supporters: '支援者', medical_contacts: '医療・関係機関',
  relation: '続柄・関係', organisation: '所属機関', role: '役割',
};

export const DUTY = { continuous: '連続', intermittent: '間欠' };

// What the server's English validation says, in Japanese at the field.
export const VALIDATION = [
  [/unknown field/, 'この項目はこのサーバーではまだ使えません'],
  [/is not a number >= 0/, '0 以上の数を入れてください'],
  [/is not a number/, '数を入れてください'],
  [/is not a valid date/, '日付は 2020-04-01 の形で入れてください'],
  [/is not one of/, '選択肢から選んでください'],
  [/required|missing|empty/, '入力してください'],
  [/true\/false|boolean/, 'はい・いいえで答えてください'],
  [/latitude|longitude|lat|lon/, '地図で位置を決めてください'],
];

export const MSG = {
  loading: '読み込み中…',
  saved: '保存しました',
  failed: 'うまくいきませんでした',
  network: 'サーバーにつながりません。少し待ってからもう一度どうぞ',
  required: '入力してください',
  notNumber: '0 以上の数を入れてください',
  badDate: '日付は 2020-04-01 の形で入れてください',
  noPlan: 'まだ計画がありません（計画の画面で計算してください）',
  noRun: 'まだ計画を計算していません',
  forbidden: 'この操作の権限がありません',
  sessionEnded: 'ログインの期限が切れました。もう一度ログインしてください',
  count: (n) => `${n} 人`,
  of: (shown, total) => `${total} 人中 ${shown} 人を表示`,
};
