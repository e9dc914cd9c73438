/**
 * The map: MapLibre GL JS over Terroir's own vector tiles only (`/tiles/{id}.json`), no glyphs, no
 * sprites, no outside server. RPG parcels of one campaign coloured by crop group; cadastre, AOC,
 * urbanism zones, nature zones and (with a key) organic parcels as layers toggled by the panel.
 */
import { Map as Carte, NavigationControl, ScaleControl, AttributionControl, setWorkerUrl, type LayerSpecification, type StyleSpecification } from 'maplibre-gl';
import { COULEURS_ZONES, expressionCouleur } from './couleurs.ts';

const origine = () => location.origin;
const tuiles = (id: string) => `${origine()}/tiles/${id}.json`;

export const NATURE = ['natura-habitat', 'natura-oiseaux', 'znieff1', 'znieff2', 'pn', 'pnr', 'rnn', 'rnc', 'rncf'];
const COULEURS_NATURE: Record<string, string> = {
  'natura-habitat': '#1b7837',
  'natura-oiseaux': '#5aae61',
  znieff1: '#2166ac',
  znieff2: '#67a9cf',
  pn: '#005a32',
  pnr: '#41ab5d',
  rnn: '#762a83',
  rnc: '#9970ab',
  rncf: '#8c510a',
};

const LOCALE = {
  'AttributionControl.ToggleAttribution': 'Afficher ou masquer les sources',
  'AttributionControl.MapFeedback': 'Signaler une erreur',
  'FullscreenControl.Enter': 'Plein écran',
  'FullscreenControl.Exit': 'Quitter le plein écran',
  'LogoControl.Title': 'Logo MapLibre',
  'Map.Title': 'Carte',
  'Marker.Title': 'Repère',
  'NavigationControl.ResetBearing': 'Réorienter vers le nord',
  'NavigationControl.ZoomIn': 'Zoom avant',
  'NavigationControl.ZoomOut': 'Zoom arrière',
  'Popup.Close': 'Fermer',
  'ScaleControl.Meters': 'm',
  'ScaleControl.Kilometers': 'km',
};

/** What the page knows of the collections served (from `/ogc/collections`). */
export interface Offre {
  campagnes: number[];
  ids: Set<string>;
}

export function creerCarte(conteneur: HTMLElement, centre: [number, number], zoom: number): Carte {
  setWorkerUrl(`${origine()}/carte/maplibre-gl-worker.mjs`);
  const style: StyleSpecification = {
    version: 8,
    sources: {
      communes: { type: 'vector', url: tuiles('limites-administratives-commune') },
    },
    layers: [
      { id: 'fond', type: 'background', paint: { 'background-color': '#f4f1ea' } },
      { id: 'communes-fond', type: 'fill', source: 'communes', 'source-layer': 'limites-administratives-commune', paint: { 'fill-color': '#ebe6da', 'fill-outline-color': '#b5ab96' } },
    ],
  };
  const carte = new Carte({
    container: conteneur,
    style,
    center: centre,
    zoom,
    maxZoom: 19,
    // The view in the address (#zoom/lat/lon): a map can be shared, reloaded, printed from a link.
    hash: true,
    locale: LOCALE,
    attributionControl: false,
    // Kept so that the print view and the browser test can read the drawn map.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  carte.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  carte.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
  carte.addControl(new AttributionControl({ compact: true }), 'bottom-right');
  return carte;
}

function ajouter(carte: Carte, couche: LayerSpecification, avant?: string) {
  if (!carte.getLayer(couche.id)) carte.addLayer(couche, avant && carte.getLayer(avant) ? avant : undefined);
}

function source(carte: Carte, id: string) {
  if (!carte.getSource(id)) carte.addSource(id, { type: 'vector', url: tuiles(id) });
}

/** The overlays under the parcels (urbanism, AOC, nature) and over them (cadastre, contours). */
export function ajouterCouches(carte: Carte, offre: Offre) {
  const vis = (on: boolean) => (on ? 'visible' : 'none') as 'visible' | 'none';
  if (offre.ids.has('gpu-zone-urba')) {
    source(carte, 'gpu-zone-urba');
    const type = ['coalesce', ['get', 'typezone'], ''];
    const [u, au, a, n] = COULEURS_ZONES.map((z) => z[1]);
    ajouter(carte, {
      id: 'plu',
      type: 'fill',
      source: 'gpu-zone-urba',
      'source-layer': 'gpu-zone-urba',
      layout: { visibility: vis(false) },
      paint: {
        'fill-color': ['case', ['==', ['slice', type, 0, 2], 'AU'], au, ['==', ['slice', type, 0, 1], 'U'], u, ['==', ['slice', type, 0, 1], 'A'], a, ['==', ['slice', type, 0, 1], 'N'], n, '#cccccc'] as never,
        'fill-opacity': 0.45,
        'fill-outline-color': '#5a4a3a',
      },
    });
  }
  if (offre.ids.has('aoc-appellation-viticole')) {
    source(carte, 'aoc-appellation-viticole');
    ajouter(carte, { id: 'aoc', type: 'fill', source: 'aoc-appellation-viticole', 'source-layer': 'aoc-appellation-viticole', layout: { visibility: vis(false) }, paint: { 'fill-color': '#7b1fa2', 'fill-opacity': 0.18 } });
    ajouter(carte, { id: 'aoc-contour', type: 'line', source: 'aoc-appellation-viticole', 'source-layer': 'aoc-appellation-viticole', layout: { visibility: vis(false) }, paint: { 'line-color': '#6a1b9a', 'line-width': 1.5, 'line-dasharray': [3, 2] } });
  }
  for (const n of NATURE) {
    const id = `nature-${n}`;
    if (!offre.ids.has(id)) continue;
    source(carte, id);
    ajouter(carte, { id: `nature-${n}`, type: 'fill', source: id, 'source-layer': id, layout: { visibility: vis(false) }, paint: { 'fill-color': COULEURS_NATURE[n], 'fill-opacity': 0.25 } });
    ajouter(carte, { id: `nature-${n}-contour`, type: 'line', source: id, 'source-layer': id, layout: { visibility: vis(false) }, paint: { 'line-color': COULEURS_NATURE[n], 'line-width': 2 } });
  }
}

/** The cadastre and the contours go over the parcels, added after them. */
export function ajouterDessus(carte: Carte, offre: Offre) {
  if (offre.ids.has('cadastre-parcelle')) {
    source(carte, 'cadastre-parcelle');
    ajouter(carte, { id: 'cadastre', type: 'line', source: 'cadastre-parcelle', 'source-layer': 'cadastre-parcelle', layout: { visibility: 'none' }, paint: { 'line-color': '#3d3d3d', 'line-width': 0.6 } });
  }
  ajouter(carte, { id: 'communes-contour', type: 'line', source: 'communes', 'source-layer': 'limites-administratives-commune', paint: { 'line-color': '#5c5040', 'line-width': 1.2 } });
  carte.addSource('selection', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  ajouter(carte, { id: 'selection', type: 'line', source: 'selection', paint: { 'line-color': '#0b3d91', 'line-width': 3 } });
  carte.addSource('territoire', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  ajouter(carte, { id: 'territoire', type: 'line', source: 'territoire', paint: { 'line-color': '#0b3d91', 'line-width': 2.5, 'line-dasharray': [2, 1] } });
}

export const COUCHES_RPG = ['rpg', 'rpg-contour'];

/** Shows the RPG parcels of `campagne` (its own source and collection, `rpg-parcelle-<année>`). */
export function montrerCampagne(carte: Carte, campagne: number, visible: boolean) {
  const id = `rpg-parcelle-${campagne}`;
  source(carte, id);
  for (const c of COUCHES_RPG) if (carte.getLayer(c)) carte.removeLayer(c);
  const avant = carte.getLayer('cadastre') ? 'cadastre' : 'communes-contour';
  const visibility = visible ? 'visible' : 'none';
  ajouter(carte, { id: 'rpg', type: 'fill', source: id, 'source-layer': id, layout: { visibility }, paint: { 'fill-color': expressionCouleur() as never, 'fill-opacity': 0.85 } }, avant);
  ajouter(carte, { id: 'rpg-contour', type: 'line', source: id, 'source-layer': id, layout: { visibility }, minzoom: 14, paint: { 'line-color': '#ffffff', 'line-width': 0.5 } }, avant);
}

/** Layer ids of each toggle of the panel. */
export function couchesDe(bascule: string): string[] {
  switch (bascule) {
    case 'rpg':
      return COUCHES_RPG;
    case 'cadastre':
      return ['cadastre'];
    case 'aoc':
      return ['aoc', 'aoc-contour'];
    case 'plu':
      return ['plu'];
    case 'nature':
      return NATURE.flatMap((n) => [`nature-${n}`, `nature-${n}-contour`]);
    case 'bio':
      return ['bio', 'bio-contour'];
    default:
      return [];
  }
}

export function basculer(carte: Carte, bascule: string, visible: boolean) {
  for (const id of couchesDe(bascule)) if (carte.getLayer(id)) carte.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
}
