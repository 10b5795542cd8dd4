/* embed.js -- the embeddable power map (GET /embed), drawn with Leaflet.
 *
 * The page holds no inline script (its Content-Security-Policy allows
 * scripts from this server only): the parameters come from data- attributes
 * of #map, which the server checked and HTML-escaped.  Layers are fetched
 * from this server without credentials, so only public data is drawn:
 *   power_points, shelters  v1/maps/power.geojson?bbox=  (a `layer` property)
 *   outages                 ogc/collections/outages/items?bbox=
 *   facilities              ogc/collections/facilities/items?bbox=  (資源: 児童発達支援センター …)
 * Every text from the data reaches the page as textContent, never as HTML.
 *
 * For tests and embedders, #map carries data-state (loading|ready|error|
 * zoom-in) and data-count-power-points, -shelters, -outages, -facilities once drawn. */
(function () {
  'use strict';

  var el = document.getElementById('map');
  if (!el || typeof L === 'undefined') {
    return;
  }

  /* Below this zoom a view may hold a whole country: nothing is fetched. */
  var MIN_DATA_ZOOM = 8;
  var JAPAN = { center: [36.5, 137.5], zoom: 5 };

  /* Power points by the watts they can lend: [least W, class, radius, colour]. */
  var WATT_CLASSES = [
    { min: 3000, name: 'w4', radius: 12, color: '#b10026', label: '3,000 W 以上' },
    { min: 1500, name: 'w3', radius: 10, color: '#e31a1c', label: '1,500〜2,999 W' },
    { min: 500, name: 'w2', radius: 8, color: '#fd8d3c', label: '500〜1,499 W' },
    { min: 0, name: 'w1', radius: 6, color: '#fecc5c', label: '500 W 未満' }
  ];
  var UNAVAILABLE = { name: 'w0', radius: 6, color: '#9e9e9e', label: '利用不可' };

  var POWER_KINDS = {
    generator: '発電機',
    ev: '電気自動車（EV）',
    hospital: '医療機関',
    battery_station: '蓄電池ステーション',
    public_facility: '公共施設',
    business: '事業所',
    power_vehicle: '電源車'
  };
  var SHELTER_KINDS = {
    designated: '指定避難所',
    emergency_site: '指定緊急避難場所',
    welfare: '福祉避難所'
  };
  var FACILITY_KINDS = {
    child_development_center: '児童発達支援センター',
    severe_day_service: '重症心身障害児の児童発達支援・放課後等デイ',
    day_service: '放課後等デイサービス',
    visiting_nurse: '訪問看護',
    short_stay: '短期入所',
    consultation: '相談支援',
    hospital: '病院',
    clinic: '診療所',
    nursery: '保育所',
    school: '学校',
    other: 'その他'
  };
  var POWER_STATUS = { available: '利用可', unavailable: '利用不可' };
  var SHELTER_STATUS = { open: '開設中', closed: '閉鎖', full: '満員' };

  /* ---------------------------------------------------------------------- */
  /* Parameters                                                               */
  /* ---------------------------------------------------------------------- */

  function data(name) {
    var v = el.getAttribute('data-' + name);
    return v === null || v === '' ? null : v;
  }

  var layersWanted = (data('layers') || 'power_points,shelters').split(',');
  var want = {
    power_points: layersWanted.indexOf('power_points') >= 0,
    shelters: layersWanted.indexOf('shelters') >= 0,
    outages: layersWanted.indexOf('outages') >= 0,
    facilities: layersWanted.indexOf('facilities') >= 0
  };
  var center = null;
  if (data('center')) {
    var ll = data('center').split(',');
    center = [parseFloat(ll[0]), parseFloat(ll[1])];
  }
  var zoom = data('zoom') ? parseInt(data('zoom'), 10) : null;
  var maxZoom = parseInt(data('max-zoom') || '19', 10);
  var tiles = data('tiles');

  /* ---------------------------------------------------------------------- */
  /* Small DOM helpers: text only, never HTML from data                       */
  /* ---------------------------------------------------------------------- */

  function node(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) {
      n.className = cls;
    }
    if (text !== undefined && text !== null) {
      n.textContent = String(text);
    }
    return n;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function watts(w) {
    var n = Number(w);
    if (!isFinite(n) || n <= 0) {
      return 'なし';
    }
    return Math.round(n).toLocaleString('ja-JP') + ' W';
  }

  function hours(h) {
    if (!h) {
      return null;
    }
    return h === '24h' ? '24時間' : String(h).replace('-', '〜');
  }

  function when(iso) {
    if (!iso) {
      return null;
    }
    var d = new Date(iso);
    if (isNaN(d.getTime())) {
      return String(iso);
    }
    return d.toLocaleString('ja-JP', {
      timeZone: 'Asia/Tokyo', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: '2-digit', minute: '2-digit'
    });
  }

  /* ---------------------------------------------------------------------- */
  /* Styles                                                                   */
  /* ---------------------------------------------------------------------- */

  function wattClass(p) {
    if (p.status && p.status !== 'available') {
      return UNAVAILABLE;
    }
    var w = Number(p.output_w !== undefined ? p.output_w : p.power_w) || 0;
    for (var i = 0; i < WATT_CLASSES.length; i++) {
      if (w >= WATT_CLASSES[i].min) {
        return WATT_CLASSES[i];
      }
    }
    return WATT_CLASSES[WATT_CLASSES.length - 1];
  }

  function shelterClasses(p) {
    var kind = SHELTER_KINDS[p.kind] ? p.kind : 'designated';
    var cls = 'pm-shelter pm-shelter-' + kind;
    if (p.welfare === true && kind !== 'welfare') {
      cls += ' pm-shelter-care';
    }
    if (Number(p.power_w) > 0) {
      cls += ' pm-has-power';
    }
    if (p.status === 'closed' || p.status === 'full') {
      cls += ' pm-shelter-' + p.status;
    }
    return cls;
  }

  function shelterIcon(p) {
    return L.divIcon({
      className: shelterClasses(p),
      html: Number(p.power_w) > 0 ? '<span class="pm-bolt" aria-hidden="true">⚡</span>' : '',
      iconSize: [18, 18],
      iconAnchor: [9, 9],
      popupAnchor: [0, -9]
    });
  }

  /* ---------------------------------------------------------------------- */
  /* Popups                                                                   */
  /* ---------------------------------------------------------------------- */

  function popupTable(title, rows) {
    var box = node('div', 'pm-popup');
    box.setAttribute('lang', 'ja');
    box.appendChild(node('h3', 'pm-popup-title', title));
    var table = node('table');
    rows.forEach(function (r) {
      if (r[1] === null || r[1] === undefined || r[1] === '') {
        return;
      }
      var tr = node('tr');
      tr.appendChild(node('th', null, r[0]));
      var td = node('td');
      if (r[1] instanceof Node) {
        td.appendChild(r[1]);
      } else {
        td.textContent = String(r[1]);
      }
      tr.appendChild(td);
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  function phoneLink(phone) {
    if (!phone) {
      return null;
    }
    var a = node('a', null, phone);
    a.href = 'tel:' + String(phone).replace(/[^0-9+]/g, '');
    return a;
  }

  function powerPopup(p) {
    return popupTable('電源供給ポイント', [
      ['名称', p.name],
      ['種類', POWER_KINDS[p.kind] || p.kind],
      ['出力 W', watts(p.output_w)],
      ['コンセント数', p.outlets !== undefined && p.outlets !== null ? p.outlets + ' 口' : null],
      ['利用時間', hours(p.hours)],
      ['状態', POWER_STATUS[p.status] || p.status],
      ['電話', phoneLink(p.phone)],
      ['住所', p.address]
    ]);
  }

  function shelterPopup(p) {
    var kind = SHELTER_KINDS[p.kind] || p.kind;
    if (p.welfare === true && p.kind !== 'welfare') {
      kind += '（要配慮者受入）';
    }
    return popupTable('避難所', [
      ['名称', p.name],
      ['種類', kind],
      ['出力 W', watts(p.power_w)],
      ['コンセント数', p.outlets !== undefined && p.outlets !== null ? p.outlets + ' 口' : null],
      ['利用時間', hours(p.hours)],
      ['状態', SHELTER_STATUS[p.status] || p.status],
      ['電話', phoneLink(p.phone)],
      ['住所', p.address]
    ]);
  }

  function facilityPopup(p) {
    return popupTable('資源（事業所・施設）', [
      ['名称', p.name],
      ['種類', FACILITY_KINDS[p.kind] || p.kind],
      ['医療的ケア', p.medical_care === true ? '対応あり' : p.medical_care === false ? '対応なし' : null],
      ['定員', p.capacity !== undefined && p.capacity !== null ? p.capacity + ' 人' : null],
      ['電話', phoneLink(p.phone)],
      ['住所', p.address]
    ]);
  }

  function outagePopup(p) {
    return popupTable('停電区域', [
      ['発生', when(p.started_at)],
      ['復旧見込み', when(p.expected_restore_at) || '未定'],
      ['状態', p.status || (p.ended_at ? '復旧' : '停電中')]
    ]);
  }

  /* ---------------------------------------------------------------------- */
  /* The map                                                                  */
  /* ---------------------------------------------------------------------- */

  var map = L.map(el, {
    zoomControl: true,
    maxZoom: maxZoom,
    minZoom: 3,
    worldCopyJump: true
  });
  map.attributionControl.setPrefix(
    '<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
  map.createPane('pm-outages').style.zIndex = 350;

  if (tiles) {
    L.tileLayer(tiles, {
      maxZoom: maxZoom,
      attribution: data('attribution') ? escapeHtml(data('attribution')) : ''
    }).addTo(map);
  } else {
    el.classList.add('pm-no-tiles');
  }
  L.control.scale({ imperial: false }).addTo(map);

  var outageLayer = L.layerGroup().addTo(map);
  var pointLayer = L.layerGroup().addTo(map);
  var shelterLayer = L.layerGroup().addTo(map);
  var facilityLayer = L.layerGroup().addTo(map);

  /* ---------------------------------------------------------------------- */
  /* Legend and notices                                                       */
  /* ---------------------------------------------------------------------- */

  function svgCircle(style) {
    var ns = 'http://www.w3.org/2000/svg';
    var size = 2 * style.radius + 4;
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', size);
    svg.setAttribute('height', size);
    svg.setAttribute('aria-hidden', 'true');
    var c = document.createElementNS(ns, 'circle');
    c.setAttribute('cx', size / 2);
    c.setAttribute('cy', size / 2);
    c.setAttribute('r', style.radius);
    c.setAttribute('fill', style.color);
    c.setAttribute('fill-opacity', '0.85');
    c.setAttribute('stroke', '#3b3b3b');
    c.setAttribute('stroke-width', '1');
    svg.appendChild(c);
    return svg;
  }

  function legendRow(list, swatch, text) {
    var li = node('li');
    var s = node('span', 'pm-swatch');
    s.appendChild(swatch);
    li.appendChild(s);
    li.appendChild(node('span', 'pm-legend-label', text));
    list.appendChild(li);
  }

  var Legend = L.Control.extend({
    options: { position: 'bottomright' },
    onAdd: function () {
      var box = node('details', 'pm-legend leaflet-bar');
      if (el.clientWidth >= 480) {
        box.open = true;
      }
      box.appendChild(node('summary', 'pm-legend-title', '凡例'));
      if (want.power_points) {
        box.appendChild(node('h4', null, '電源供給ポイント（出力）'));
        var ul = node('ul');
        WATT_CLASSES.concat([UNAVAILABLE]).forEach(function (c) {
          legendRow(ul, svgCircle(c), c.label);
        });
        box.appendChild(ul);
      }
      if (want.shelters) {
        box.appendChild(node('h4', null, '避難所'));
        var us = node('ul');
        [
          ['pm-shelter pm-shelter-welfare', '福祉避難所'],
          ['pm-shelter pm-shelter-designated pm-shelter-care', '指定避難所（要配慮者受入）'],
          ['pm-shelter pm-shelter-designated', '指定避難所'],
          ['pm-shelter pm-shelter-emergency_site', '指定緊急避難場所'],
          ['pm-shelter pm-shelter-designated pm-has-power', '電源あり'],
          ['pm-shelter pm-shelter-designated pm-shelter-closed', '閉鎖・満員']
        ].forEach(function (s) {
          var icon = node('span', s[0] + ' pm-legend-icon');
          if (s[0].indexOf('pm-has-power') >= 0) {
            icon.appendChild(node('span', 'pm-bolt', '⚡'));
          }
          legendRow(us, icon, s[1]);
        });
        box.appendChild(us);
      }
      if (want.facilities) {
        box.appendChild(node('h4', null, '資源（事業所・施設）'));
        var uf = node('ul');
        legendRow(uf, node('span', 'pm-facility pm-facility-care pm-legend-icon'), '医療的ケア対応');
        legendRow(uf, node('span', 'pm-facility pm-legend-icon'), 'その他の事業所・施設');
        box.appendChild(uf);
      }
      if (want.outages) {
        box.appendChild(node('h4', null, '停電'));
        var uo = node('ul');
        legendRow(uo, node('span', 'pm-outage-swatch'), '停電区域');
        box.appendChild(uo);
      }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });
  new Legend().addTo(map);

  var Notice = L.Control.extend({
    options: { position: 'topright' },
    onAdd: function () {
      this._box = node('div', 'pm-notice');
      this._box.setAttribute('role', 'status');
      this._box.hidden = true;
      return this._box;
    },
    show: function (text) {
      this._box.textContent = text || '';
      this._box.hidden = !text;
    }
  });
  var notice = new Notice().addTo(map);

  /* ---------------------------------------------------------------------- */
  /* Loading                                                                  */
  /* ---------------------------------------------------------------------- */

  var loadedBounds = null;
  var inflight = null;

  function bboxParam(b) {
    function clamp(v, lo, hi) {
      return Math.max(lo, Math.min(hi, v));
    }
    return [
      clamp(b.getWest(), -180, 180).toFixed(5),
      clamp(b.getSouth(), -90, 90).toFixed(5),
      clamp(b.getEast(), -180, 180).toFixed(5),
      clamp(b.getNorth(), -90, 90).toFixed(5)
    ].join(',');
  }

  function getJson(url, signal) {
    return fetch(url, {
      credentials: 'omit',
      signal: signal,
      headers: { Accept: 'application/geo+json, application/json' }
    }).then(function (r) {
      if (!r.ok) {
        var e = new Error('HTTP ' + r.status);
        e.status = r.status;
        throw e;
      }
      return r.json();
    });
  }

  function setCount(name, n) {
    el.setAttribute('data-count-' + name, String(n));
  }

  function drawPower(fc) {
    var np = 0;
    var ns = 0;
    pointLayer.clearLayers();
    shelterLayer.clearLayers();
    /* Big circles first, so that a small one nearby stays clickable on top. */
    var features = (fc.features || []).slice().sort(function (a, b) {
      var pa = a.properties || {};
      var pb = b.properties || {};
      return (Number(pb.output_w) || 0) - (Number(pa.output_w) || 0);
    });
    features.forEach(function (f) {
      var g = f.geometry;
      var p = f.properties || {};
      if (!g || g.type !== 'Point') {
        return;
      }
      var latlng = [g.coordinates[1], g.coordinates[0]];
      var layer = p.layer;
      if (layer === 'power_points' && want.power_points) {
        var c = wattClass(p);
        L.circleMarker(latlng, {
          radius: c.radius,
          color: '#3b3b3b',
          weight: 1,
          fillColor: c.color,
          fillOpacity: 0.85,
          className: 'pm-power pm-power-' + c.name
        }).bindPopup(powerPopup(p), { maxWidth: 300 }).addTo(pointLayer);
        np++;
      } else if (layer === 'shelters' && want.shelters) {
        L.marker(latlng, {
          icon: shelterIcon(p),
          title: p.name || '',
          alt: p.name || '避難所',
          keyboard: true
        }).bindPopup(shelterPopup(p), { maxWidth: 300 }).addTo(shelterLayer);
        ns++;
      }
    });
    if (want.power_points) {
      setCount('power-points', np);
    }
    if (want.shelters) {
      setCount('shelters', ns);
    }
  }

  function drawOutages(fc) {
    outageLayer.clearLayers();
    var n = 0;
    L.geoJSON(fc, {
      pane: 'pm-outages',
      style: function () {
        return {
          color: '#b30000', weight: 1.5, dashArray: '4 3',
          fillColor: '#e34a33', fillOpacity: 0.18, className: 'pm-outage'
        };
      },
      onEachFeature: function (f, layer) {
        n++;
        layer.bindPopup(outagePopup(f.properties || {}), { maxWidth: 300 });
      }
    }).addTo(outageLayer);
    setCount('outages', n);
  }

  function drawFacilities(fc) {
    facilityLayer.clearLayers();
    var n = 0;
    (fc.features || []).forEach(function (f) {
      var g = f.geometry;
      var p = f.properties || {};
      if (!g || g.type !== 'Point') {
        return;
      }
      L.marker([g.coordinates[1], g.coordinates[0]], {
        icon: L.divIcon({
          className: 'pm-facility' + (p.medical_care === true ? ' pm-facility-care' : ''),
          iconSize: [14, 14]
        }),
        title: p.name || '',
        alt: p.name || '事業所',
        keyboard: true
      }).bindPopup(facilityPopup(p), { maxWidth: 300 }).addTo(facilityLayer);
      n++;
    });
    setCount('facilities', n);
  }

  function load() {
    if (map.getZoom() < MIN_DATA_ZOOM) {
      if (inflight) {
        inflight.abort();
        inflight = null;
      }
      pointLayer.clearLayers();
      shelterLayer.clearLayers();
      outageLayer.clearLayers();
      facilityLayer.clearLayers();
      loadedBounds = null;
      notice.show('拡大すると電源供給ポイントと避難所が表示されます');
      el.setAttribute('data-state', 'zoom-in');
      return;
    }
    var view = map.getBounds();
    if (loadedBounds && loadedBounds.contains(view)) {
      return;
    }
    if (inflight) {
      inflight.abort();
    }
    var ctl = typeof AbortController !== 'undefined' ? new AbortController() : null;
    inflight = ctl;
    var area = view.pad(0.5);
    var bbox = bboxParam(area);
    var signal = ctl ? ctl.signal : undefined;
    var jobs = [];
    var problems = [];

    el.setAttribute('data-state', 'loading');
    if (want.power_points || want.shelters) {
      jobs.push(getJson('v1/maps/power.geojson?bbox=' + bbox, signal).then(drawPower));
    }
    if (want.outages) {
      jobs.push(getJson('ogc/collections/outages/items?limit=1000&bbox=' + bbox, signal)
        .then(drawOutages, function (e) {
          if (e && e.name === 'AbortError') {
            throw e;
          }
          outageLayer.clearLayers();
          problems.push('停電情報を取得できませんでした');
        }));
    }
    if (want.facilities) {
      jobs.push(getJson('ogc/collections/facilities/items?limit=1000&bbox=' + bbox, signal)
        .then(drawFacilities, function (e) {
          if (e && e.name === 'AbortError') {
            throw e;
          }
          facilityLayer.clearLayers();
          problems.push('事業所・施設の情報を取得できませんでした');
        }));
    }
    Promise.all(jobs).then(function () {
      if (inflight !== ctl) {
        return;
      }
      inflight = null;
      loadedBounds = area;
      el.setAttribute('data-bbox', bbox);
      notice.show(problems.join(' / '));
      el.setAttribute('data-state', 'ready');
    }, function (e) {
      if (e && e.name === 'AbortError') {
        return;
      }
      if (inflight === ctl) {
        inflight = null;
      }
      notice.show('地図データを読み込めませんでした。時間をおいて再度お試しください。');
      el.setAttribute('data-state', 'error');
    });
  }

  map.on('moveend', load);

  /* The first view: the given center, else the extent of the layers as the
   * OGC collections list declares it, else Japan. */
  function startAt(c, z) {
    map.setView(c, z);
  }

  if (center) {
    startAt(center, zoom !== null ? zoom : 13);
  } else {
    getJson('ogc/collections').then(function (doc) {
      var box = null;
      (doc.collections || []).forEach(function (c) {
        if (!want[c.id] || c.id === 'outages') {
          return;
        }
        var b = c.extent && c.extent.spatial && c.extent.spatial.bbox && c.extent.spatial.bbox[0];
        if (!b || b.length < 4) {
          return;
        }
        var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
        box = box ? box.extend(bounds) : bounds;
      });
      if (!box || !box.isValid()) {
        throw new Error('no extent');
      }
      if (zoom !== null) {
        startAt(box.getCenter(), zoom);
      } else {
        map.fitBounds(box, { padding: [16, 16], maxZoom: 15 });
      }
    }).catch(function () {
      startAt(JAPAN.center, zoom !== null ? zoom : JAPAN.zoom);
    });
  }
})();
