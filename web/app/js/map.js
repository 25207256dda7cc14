// Leaflet maps without a tile server: the jurisdiction polygons the server routes with are
// the base layer (GCJ-02 degrees drawn as they are; markers use the same coordinates).
import * as L from '/vendor/leaflet/leaflet-src.esm.js';

let jurisdictions = null;

export async function loadJurisdictions() {
  if (!jurisdictions) {
    jurisdictions = fetch('/geo/jurisdictions.json', { credentials: 'same-origin' }).then((r) => r.json());
  }
  return jurisdictions;
}

export const LEVEL_COLOURS = { low: '#2e7d32', medium: '#f9a825', high: '#ef6c00', extreme: '#d50000' };

// A map in `element` with the districts (and, if `withStations`, the station areas).
// Returns {map, L, fit(bounds)}.
// `canvas`: draw on a canvas (many live markers) rather than SVG (a page that is re-drawn
// often, like the responder's: a canvas redraw can outlive its map).
export async function jurisdictionMap(element, { withStations = true, highlightStation = null, canvas = true } = {}) {
  // No animations: views are re-drawn as data arrives, and an animation still running when
  // its map is removed fails inside Leaflet.
  const map = L.map(element, {
    zoomControl: true, attributionControl: false, preferCanvas: canvas,
    zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false,
  });
  map.setView([29.8, 107.5], 7);
  const geo = await loadJurisdictions();
  const districts = { type: 'FeatureCollection', features: geo.features.filter((f) => f.properties.kind === 'district') };
  const stations = { type: 'FeatureCollection', features: geo.features.filter((f) => f.properties.kind === 'station' && f.geometry) };
  // GeoJSON is [lon, lat]: Leaflet's default reading.
  const districtLayer = L.geoJSON(districts, {
    style: { color: '#5c6b7a', weight: 1.2, fillColor: '#e8eef3', fillOpacity: 0.6 },
    onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name, { sticky: true }),
  }).addTo(map);
  let stationLayer = null;
  if (withStations) {
    stationLayer = L.geoJSON(stations, {
      style: (f) => (f.properties.code === highlightStation
        ? { color: '#1565c0', weight: 2, fillColor: '#bbdefb', fillOpacity: 0.5 }
        : { color: '#9aa7b3', weight: 0.5, fill: false }),
      onEachFeature: (f, layer) => layer.bindTooltip(`${f.properties.name} (${f.properties.code})`, { sticky: true }),
    }).addTo(map);
  }
  map.fitBounds(districtLayer.getBounds());
  if (highlightStation && stationLayer) {
    stationLayer.eachLayer((layer) => {
      if (layer.feature.properties.code === highlightStation) map.fitBounds(layer.getBounds());
    });
  }
  return { map, L };
}
