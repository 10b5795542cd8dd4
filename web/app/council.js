// council.js -- 協議の場: the council report when the server has it
// (GET /v1/reports/council); until then the 実態把握 counts the application
// can compute from the roster and the latest plans (age band, care,
// decision, affiliation, reporting department), as bar charts.
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

export async function show(main) {
  pageTitle(main, '協議の場', h('button', { type: 'button', onclick: () => window.print() }, '印刷'));
  const report = await api('GET', '/v1/reports/council?f=json').catch(() => null);
  if (report) {
    main.append(h('p', { class: 'notice', text: '協議の場の報告（サーバーの集計）' }),
      h('pre', { class: 'preview', text: JSON.stringify(report, null, 2) }));
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
