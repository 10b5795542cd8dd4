// plans.js -- 計画: run a scenario (hazard, outage length, or a current
// outage), read its summary (counts per decision, children left out with
// the reasons), open and print a child's plan or many as one PDF, mark
// plans agreed or shared.
import { api, qs } from './api.js';
import { h, clear, field, select, pageTitle, warekiTime, toast, hoursText } from './ui.js';
import { HAZARD, DECISION, DECISION_COLOUR, PLAN_STATUS, MSG } from './strings.js';

function scenarioQuery(sc) {
  const q = {};
  if (sc.hazard && sc.hazard !== 'none') q.hazard = sc.hazard;
  if (sc.outage_hours && sc.outage_hours !== 72) q.outage_hours = sc.outage_hours;
  if (sc.outage_id) q.outage_id = sc.outage_id;
  return q;
}

function scenarioText(sc) {
  if (!sc) return '';
  return sc.outage_id ? `停電 ${sc.outage_id} 番（実際の停電）` :
    `${HAZARD[sc.hazard] || sc.hazard}・停電 ${sc.outage_hours} 時間`;
}

export async function show(main) {
  pageTitle(main, '計画');
  const hazard = field('想定する災害', select(HAZARD, 'none', { id: 'plan-hazard' }));
  const hours = field('停電の長さ（時間）', h('input', { id: 'plan-hours', value: '72', inputmode: 'numeric' }));
  const outages = await api('GET', '/v1/outages').catch(() => ({ items: [] }));
  const live = (outages.items || []).filter((o) => o.properties.active !== false);
  const outage = field('実際の停電で計算', select(Object.fromEntries([['', '使わない'],
    ...live.map((o) => [String(o.id), `停電 ${o.id} 番（${warekiTime(o.properties.started_at)} から）`])]), '', { id: 'plan-outage' }));
  const status = h('p', { class: 'form-status', role: 'alert' });
  const run = h('button', { type: 'button', class: 'primary', id: 'plan-run' }, '計算する');
  const out = h('div', { id: 'plan-out' });
  main.append(h('div', { class: 'card' }, h('div', { class: 'grid' }, hazard, hours, outage),
    h('div', { class: 'actions' }, run), status), out);
  run.addEventListener('click', async () => {
    status.textContent = '計算中…';
    run.disabled = true;
    const body = { hazard: hazard.input.value, outage_hours: Number(hours.input.value) || 72 };
    if (outage.input.value) body.outage_id = Number(outage.input.value);
    try {
      const r = await api('POST', '/v1/plans/run', body);
      status.textContent = '';
      toast('計算しました');
      await showRun(out, r);
    } catch (e) {
      status.textContent = /outage_id/.test(e.message) ? 'このサーバーは実際の停電での計算にまだ対応していません' : e.message;
    } finally { run.disabled = false; }
  });
  const runs = await api('GET', '/v1/plans?limit=1').catch(() => ({ items: [] }));
  if (runs.items && runs.items.length) await showRun(out, runs.items[0]);
  else out.append(h('p', { text: MSG.noRun }));
}

let generation = 0;

async function showRun(out, run) {
  const mine = ++generation;
  const [kids, plans] = await Promise.all([api('GET', '/v1/children?limit=10000'),
    api('GET', `/v1/plans/children?run=${run.id}`)]);
  if (mine !== generation) return;        // a newer run is being shown
  clear(out);
  const byId = new Map(kids.items.map((c) => [c.id, c]));
  const s = run.summary || {};
  const dec = s.decisions || {};
  out.append(h('section', { class: 'card', id: 'plan-summary' },
    h('h2', { text: `計算結果（${scenarioText(run.scenario)}、${warekiTime(run.finished_at)}）` }),
    h('p', { class: 'count', text: `対象 ${s.children ?? kids.total} 人` }),
    h('div', { class: 'bars' }, Object.entries(DECISION).map(([k, label]) => h('div', {},
      h('span', { style: `width:9em`, text: label }),
      h('span', { class: 'bar', style: `width:${Math.round(((dec[k] || 0) / Math.max(1, s.children || 1)) * 300)}px;background:${DECISION_COLOUR[k]}` }),
      h('strong', { text: `${dec[k] || 0} 人` })))),
    (s.unassigned || []).length ? h('div', {}, h('h3', { text: '行き先のない子ども（理由）' }),
      h('ul', { id: 'unassigned' }, s.unassigned.map((u) => h('li', {},
        h('a', { href: `#/child/${u.child_id}`, text: (byId.get(u.child_id) || {}).name || `#${u.child_id}` }),
        `：${reasonJa(u.reason)}`)))) : null));
  const q = qs(scenarioQuery(run.scenario || {}));
  // The printed PDF takes at most 500 children at once (GET /v1/plans/print).
  const ids = plans.items.filter((p) => p.decision).map((p) => p.child_id).slice(0, 500);
  const table = h('table', { id: 'plan-table' }, h('thead', {}, h('tr', {},
    ['氏名', '計画', '行き先', '出発の目安', '状態', '計画書', ''].map((t) => h('th', { scope: 'col', text: t })))),
  h('tbody', {}, plans.items.filter((p) => p.decision).map((p) => {
    const c = byId.get(p.child_id) || {};
    const st = h('td', { text: PLAN_STATUS[p.status] || p.status });
    const mark = async (status) => {
      try { await api('PUT', `/v1/children/${p.child_id}/plan`, { status }); st.textContent = PLAN_STATUS[status]; toast(`${c.name} さんの計画を「${PLAN_STATUS[status]}」にしました`); }
      catch (e) { toast(e.message, 'bad'); }
    };
    return h('tr', {},
      h('td', {}, h('a', { href: `#/child/${p.child_id}`, text: c.name || `#${p.child_id}` })),
      h('td', {}, h('span', { class: 'badge', style: `background:${DECISION_COLOUR[p.decision]}`, text: DECISION[p.decision] })),
      h('td', { text: p.dest_name || '—' }),
      h('td', { text: p.leave_by_h != null ? `停電から ${hoursText(p.leave_by_h)}` : '—' }),
      st,
      h('td', {}, h('a', { class: 'button', href: `/v1/children/${p.child_id}/plan${q ? q + '&' : '?'}f=html`, target: '_blank', rel: 'noopener' }, '開く・印刷')),
      h('td', {}, h('button', { type: 'button', onclick: () => mark('agreed') }, '合意'),
        ' ', h('button', { type: 'button', disabled: c.consent ? null : true, onclick: () => mark('shared') }, '共有')));
  })));
  out.append(h('section', { class: 'card' }, h('h2', { text: '子どもごとの計画' }),
    h('div', { class: 'actions' }, h('a', { class: 'button', id: 'print-all', target: '_blank', rel: 'noopener',
      href: `/v1/plans/print?run=${run.id}&ids=${ids.join(',')}` }, `全員の計画書を 1 つの PDF で（${ids.length} 人）`)),
    table));
}

function reasonJa(r) {
  if (/^no home location/.test(r)) return '自宅の位置が地図上で確認できていません（住所を確認してください）';
  if (/^no device is registered/.test(r)) return '医療機器が登録されていません（記録を確認してください）';
  if (/no eligible destination/.test(r)) return '電源のある行き先にバッテリーが持つうちに着けません';
  if (/capacity|full|outlet/.test(r)) return '行き先の定員・コンセントが足りません';
  return r;
}
