// council.js -- 協議の場: the council report (GET /v1/reports/council) drawn
// as bar charts with its printable and Excel versions, the resources against
// the plan's targets, and 課題抽出 (GET /v1/analysis/coverage).  A server
// without the report falls back to counts from the roster and the plans.
import { api } from './api.js';
import { h, pageTitle, age } from './ui.js';
import { CARE, DECISION, AFFILIATION } from './strings.js';

const BANDS = [['0〜2 歳', 0, 2], ['3〜5 歳（就園）', 3, 5], ['6〜11 歳（小学校）', 6, 11],
  ['12〜14 歳（中学校）', 12, 14], ['15〜17 歳', 15, 17], ['18 歳以上', 18, 200]];

function chart(title, counts) {
  const max = Math.max(1, ...Object.values(counts));
  return h('section', { class: 'card' }, h('h2', { text: title }),
    h('div', { class: 'bars' }, Object.entries(counts).map(([k, n]) => h('div', {},
      h('span', { style: 'width:12em', text: k }),
      h('span', { class: 'bar', style: `width:${Math.round((n / max) * 320)}px` }),
      h('strong', { text: `${n} 人` })))));
}

// A section of the council report: bars for published counts, 「1〜10」 or
// 「非公開」 (no bar: a bar would show the size) for the others.
function sectionChart(sec) {
  const shown = sec.cells.filter((c) => typeof c.count === 'number');
  const max = Math.max(1, ...shown.map((c) => c.count));
  return h('section', { class: 'card' }, h('h2', { text: sec.title }),
    sec.cells.length === 0 ? h('p', { text: '該当なし' }) :
      h('div', { class: 'bars' }, sec.cells.map((c) => h('div', {},
        h('span', { style: 'width:14em', text: c.label }),
        typeof c.count === 'number'
          ? h('span', { class: 'bar', style: `width:${Math.round((c.count / max) * 320)}px` }) : null,
        h('strong', { text: typeof c.count === 'number' ? `${c.count} 人`
          : (c.suppressed ? '1〜10 人' : '非公開') })))));
}

function resourcesTable(res) {
  const yes = (b) => (b ? '達成' : '未達成');
  return h('section', { class: 'card' }, h('h2', { text: '資源調査（障害児福祉計画の目標）' }),
    h('table', {}, h('thead', {}, h('tr', {}, ['市町村コード', '児童発達支援センター',
      '重症心身障害児の事業所', '訪問看護', '目標（センター）', '目標（重心）'].map((t) => h('th', { text: t })))),
    h('tbody', {}, (res || []).map((m) => h('tr', {},
      h('td', { text: m.municipality === 'unknown' ? '不明' : m.municipality }),
      h('td', { text: String(m.child_development_center) }), h('td', { text: String(m.severe_day_service) }),
      h('td', { text: String(m.visiting_nurse) }),
      h('td', { text: yes(m.target_child_development_center) }),
      h('td', { text: yes(m.target_severe_service) }))))));
}

// 課題抽出: where three new power places would help most (GET /v1/analysis/coverage).
async function coverageCard() {
  const box = h('section', { class: 'card' }, h('h2', { text: '課題抽出：電源が足りない場所' }));
  const cov = await api('GET', '/v1/analysis/coverage?add=3&stations=20').catch((e) => e);
  if (!cov || cov.status) {
    box.append(h('p', { class: 'notice', text: cov && cov.status === 409
      ? 'まだ計画がありません。計画の画面で計画を実行してください。' : '分析を取得できませんでした。' }));
    return box;
  }
  box.append(h('p', { text: `行き先のない児 ${cov.left_out} 人。新たに電源を置く場所 3 か所で ` +
      `${cov.covered} 人に届きます（どの 3 か所でも最大 ${cov.at_most_children} 人` +
      `${cov.proven_optimal ? '、この選び方が最善' : ''}）。` }),
    cov.places.length ? h('table', {}, h('thead', {}, h('tr', {}, ['順位', '場所', '届く児', '生命維持']
      .map((t) => h('th', { text: t })))), h('tbody', {}, cov.places.map((p) => h('tr', {},
      h('td', { text: String(p.rank) }), h('td', { text: p.name || '候補地点' }),
      h('td', { text: `${p.children} 人` }), h('td', { text: `${p.life_sustaining} 人` })))))
      : h('p', { text: '今ある候補の場所では、行き先のない児に届きません（在宅への電源の貸し出しを検討）。' }));
  for (const s of cov.stations || []) {
    box.append(h('p', { text: `ポータブル電源 ${s.stations} 台を貸し出すと、` +
      `${s.hours === 72 ? '72 時間' : '7 日間'}在宅で過ごせる児が ${s.could_stay_home} 人増えます。` }));
  }
  return box;
}

export async function show(main) {
  pageTitle(main, '協議の場', h('button', { type: 'button', onclick: () => window.print() }, '印刷'));
  const report = await api('GET', '/v1/reports/council?f=json').catch(() => null);
  if (report && report.sections) {
    main.append(h('p', { class: 'count', text: `${report.title}：対象の児 ${report.total} 人` +
        (report.outside_definition ? `（定義に当てはまらない登録 ${report.outside_definition} 人は別）` : '') }),
      h('p', { text: `定義：${report.definition.label}` }),
      h('p', {}, h('a', { href: '/v1/reports/council?f=html', target: '_blank', text: '印刷用の資料' }), '　',
        h('a', { href: '/v1/reports/council?f=xlsx', text: 'Excel で開く' }), '　',
        h('a', { href: '/v1/reports/council?f=html&public=true', target: '_blank', text: '公開版' })),
      ...report.sections.filter((s) => s.cells.length).map(sectionChart),
      resourcesTable(report.resources), await coverageCard());
    return;
  }
  main.append(h('p', { class: 'notice', text: '協議の場の報告書はこのサーバーにまだありません。名簿と最新の計画から数えた実態把握を示します（職員向け・実数）。' }));
  const [kids, plans] = await Promise.all([api('GET', '/v1/children?limit=10000'),
    api('GET', '/v1/plans/children').catch(() => ({ items: [] }))]);
  const count = (keyOf) => {
    const out = {};
    for (const c of kids.items) for (const k of [].concat(keyOf(c))) if (k) out[k] = (out[k] || 0) + 1;
    return out;
  };
  const byBand = Object.fromEntries(BANDS.map(([l]) => [l, 0]));
  for (const c of kids.items) {
    const a = age(c.birth_date);
    const b = BANDS.find(([, lo, hi]) => a !== null && a >= lo && a <= hi);
    if (b) byBand[b[0]]++;
  }
  const dec = new Map((plans.items || []).map((p) => [p.child_id, p.decision]));
  main.append(h('p', { class: 'count', text: `登録されている子ども ${kids.total} 人` }),
    chart('年齢', byBand),
    chart('医療的ケア', count((c) => (c.care || []).map((x) => CARE[x] || x))),
    chart('計画', count((c) => DECISION[dec.get(c.id)] || '計画なし')),
    chart('所属', count((c) => AFFILIATION[c.affiliation] || (c.affiliation ? c.affiliation : '未登録'))),
    chart('報告した課', count((c) => c.source || '未登録')));
}
