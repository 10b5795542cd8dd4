// map.js -- 地図: children (staff only, coloured by their plan's decision),
// shelters, power points, facilities, hazard areas and outages together,
// with layer switches, a legend and Japanese popups.
import { api } from './api.js';
import { h, pageTitle } from './ui.js';
import { LAYER, DECISION, DECISION_COLOUR, SHELTER_KIND, POWER_KIND, HAZARD, CARE, MOBILITY } from './strings.js';
import { newMap, dot, popup, L } from './mapkit.js';

const HAZARD_COLOUR = '#7b3fa0';

// A shelter is a square (children and power points are circles): blue,
// or with a thick border when it takes people needing care (福祉).
function shelterIcon(s) {
  return L.divIcon({ className: 'pm-shelter' + (s.welfare ? ' welfare' : '') + (s.status !== 'open' ? ' closed' : ''),
    iconSize: [16, 16] });
}

// Loads every layer; returns { name: L.Layer }.  A layer whose route is not
// on this server (facilities before it was added) is left out, not fatal.
export async function loadLayers({ withChildren = true } = {}) {
  const get = (path) => api('GET', path).catch(() => null);
  const [kids, plans, shelters, points, facilities, hazards, outages] = await Promise.all([
    withChildren ? get('/v1/maps/children.geojson') : null,
    withChildren ? get('/v1/plans/children') : null,
    get('/v1/shelters?limit=10000'), get('/v1/power-points?limit=10000'),
    get('/v1/facilities?limit=10000'), get('/ogc/collections/hazard_areas/items?limit=10000'),
    get('/v1/outages')]);
  const layers = {};
  if (kids) {
    const decision = new Map(((plans && plans.items) || []).map((p) => [p.child_id, p]));
    layers.children = L.featureGroup(kids.features.filter((f) => f.geometry).map((f) => {
      const p = f.properties;
      const d = decision.get(f.id) || {};
      const [lon, lat] = f.geometry.coordinates;
      return dot([lat, lon], DECISION_COLOUR[d.decision || 'none'], 8).bindPopup(popup(p.name, [
        `計画: ${DECISION[d.decision] || 'なし'}${d.dest_name ? '（' + d.dest_name + '）' : ''}`,
        `ケア: ${(p.care || []).map((c) => CARE[c] || c).join('、') || '—'}`,
        `移動: ${MOBILITY[p.mobility] || p.mobility}`, `保護者: ${p.guardian_name || ''} ${p.guardian_phone || ''}`,
      ]));
    }));
  }
  if (shelters) {
    layers.shelters = L.featureGroup(shelters.items.filter((s) => s.lat != null).map((s) =>
      L.marker([s.lat, s.lon], { title: s.name, alt: s.name, icon: shelterIcon(s) }).bindPopup(popup(s.name, [
        SHELTER_KIND[s.kind] || s.kind, s.address, `電源 ${s.power_w || 0} W・コンセント ${s.outlets || 0} 口`,
        s.welfare ? '要配慮者を受け入れ' : '', s.status === 'open' ? '開設中' : s.status === 'full' ? '満員' : '閉鎖', s.phone ? '電話 ' + s.phone : '']))));
  }
  if (points) {
    layers.power_points = L.featureGroup(points.items.filter((p) => p.lat != null).map((p) =>
      dot([p.lat, p.lon], '#f2c200', 7).bindPopup(popup(p.name, [POWER_KIND[p.kind] || p.kind, p.address,
        `出力 ${p.output_w || 0} W・コンセント ${p.outlets || 0} 口`, `時間 ${p.hours === '24h' ? '24 時間' : p.hours}`,
        p.status === 'available' ? '利用可' : '利用不可', p.phone ? '電話 ' + p.phone : '']))));
  }
  if (facilities && facilities.items) {
    layers.facilities = L.featureGroup(facilities.items.filter((p) => p.lat != null).map((p) =>
      dot([p.lat, p.lon], '#00838f', 6).bindPopup(popup(p.name, [p.address, p.medical_care ? '医療的ケア児を受け入れ' : '', p.phone ? '電話 ' + p.phone : '']))));
  }
  if (hazards) {
    layers.hazard_areas = L.geoJSON(hazards, { style: { color: HAZARD_COLOUR, weight: 1, fillOpacity: 0.15 },
      onEachFeature: (f, l) => l.bindPopup(popup(HAZARD[f.properties.hazard] || f.properties.hazard, [`レベル ${f.properties.level ?? ''}`])) });
  }
  if (outages) {
    layers.outages = L.geoJSON({ type: 'FeatureCollection', features: outages.items || [] },
      { style: { color: '#222', weight: 2, dashArray: '6 4', fillColor: '#444', fillOpacity: 0.2 },
        onEachFeature: (f, l) => l.bindPopup(popup(`停電 ${f.id} 番`, [f.properties.active === false ? '復旧' : '停電中'])) });
  }
  return layers;
}

export function legend(map) {
  const c = L.control({ position: 'bottomright' });
  c.onAdd = () => {
    const div = h('div', { class: 'legend', role: 'note', 'aria-label': '凡例' }, h('strong', { text: '子どもの計画' }));
    for (const [k, label] of Object.entries({ ...DECISION, none: '計画なし' })) {
      div.append(h('div', {}, h('i', { style: `background:${DECISION_COLOUR[k]}` }), label));
    }
    div.append(h('div', {}, h('i', { class: 'sq', style: 'background:#e8f1fb;border:2px solid #0b5cad' }), '避難所（太枠: 福祉）'),
      h('div', {}, h('i', { style: 'background:#f2c200' }), '電源供給ポイント'),
      h('div', {}, h('i', { style: 'background:#00838f' }), '施設（資源）'),
      h('div', {}, h('i', { style: `background:${HAZARD_COLOUR};border-radius:0` }), 'ハザード区域'));
    return div;
  };
  c.addTo(map);
}

export async function show(main) {
  pageTitle(main, '地図');
  const switches = h('div', { class: 'layers card', role: 'group', 'aria-label': '表示する層' });
  const el = h('div', { class: 'map', id: 'main-map', role: 'region', 'aria-label': '地図' });
  main.append(switches, el);
  const map = newMap(el);
  map.setView([37.04, 136.97], 12);
  const layers = await loadLayers();
  const all = [];
  for (const [name, layer] of Object.entries(layers)) {
    layer.addTo(map);
    if (layer.getLayers) all.push(...layer.getLayers());
    const cb = h('input', { type: 'checkbox', checked: true, id: `layer-${name}` });
    cb.addEventListener('change', () => (cb.checked ? layer.addTo(map) : layer.remove()));
    switches.append(h('label', { class: 'check' }, cb, LAYER[name]));
  }
  legend(map);
  const group = L.featureGroup(Object.values(layers).filter((l) => l !== layers.hazard_areas));
  if (group.getLayers().length) {
    try { map.fitBounds(group.getBounds(), { padding: [20, 20] }); } catch (e) { /* empty layers */ }
  }
  return () => map.remove();
}
