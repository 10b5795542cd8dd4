// mapkit.js -- Leaflet (npm, served from /static/leaflet/) set up the same
// way for every map of the application: the base map when the server was
// given one (--tiles), Japanese attribution, keyboard panning.
import * as L from '/static/leaflet/leaflet-src.esm.js';

export { L };

L.Icon.Default.imagePath = '/static/leaflet/images/';

function meta(name) {
  const m = document.querySelector(`meta[name="${name}"]`);
  return m ? m.content : '';
}

// Zoom animation off: a map removed while a zoom animates (the person moves
// to another screen, or logs out) made Leaflet 1.9 throw in
// _onZoomTransitionEnd (its panes are gone); seen in the browser tests.
export function newMap(el, opts = {}) {
  const map = L.map(el, { keyboard: true, zoomControl: true, attributionControl: true,
    zoomAnimation: false, ...opts });
  const tiles = meta('pm-tiles');
  if (tiles) {
    L.tileLayer(tiles, { attribution: meta('pm-tiles-attribution'), maxZoom: 18 }).addTo(map);
  }
  map.attributionControl.setPrefix('Leaflet');
  return map;
}

// A circle marker for a point, coloured.
export function dot(latlng, colour, radius = 7) {
  return L.circleMarker(latlng, { radius, color: '#000', weight: 1, fillColor: colour, fillOpacity: 0.9 });
}

// Popup content as a DOM node (text only, never markup from data).
export function popup(title, lines) {
  const div = document.createElement('div');
  const b = document.createElement('strong');
  b.textContent = title;
  div.append(b);
  for (const l of lines.filter(Boolean)) {
    const p = document.createElement('div');
    p.textContent = l;
    div.append(p);
  }
  return div;
}
