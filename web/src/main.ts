/**
 * Terroir's web map (docs/carte.md): the page's wiring. Everything it shows comes from this
 * Terroir's own routes: tiles, the public API, the statistics API, the restricted routes with a key.
 */
import type { GeoJSONSource, Map as Carte } from 'maplibre-gl';
import { cle, el, ErreurApi, garderCle, obtenir, type Collection } from './api.ts';
import { ajouterCouches, ajouterDessus, basculer, creerCarte, montrerCampagne, type Offre } from './carte.ts';
import { couleurGroupe } from './couleurs.ts';
import { ficheParcelle } from './fiche.ts';
import { panneauTerritoire, type Territoire } from './territoire.ts';
import { coucheBio, estInstructeur, registre } from './agent.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface EtatPage {
  carte: Carte;
  offre: Offre;
  campagne: number;
  territoire: Territoire | null;
}

async function offre(): Promise<Offre> {
  const { collections } = await obtenir<{ collections: { id: string }[] }>('/ogc/collections');
  const ids = new Set(collections.map((c) => c.id));
  const campagnes = collections
    .map((c) => /^rpg-parcelle-(\d{4})$/.exec(c.id)?.[1])
    .filter((x): x is string => !!x)
    .map(Number)
    .sort((a, b) => a - b);
  return { ids, campagnes };
}

async function legende() {
  const groupes = await obtenir<{ code_group: number; libelle_group: string }[]>('/api/nomenclature/groupes');
  $('legende').replaceChildren(...groupes.map((g) => el('li', {}, el('span', { class: 'pastille', style: `background:${couleurGroupe(g.code_group)}`, 'aria-hidden': 'true' }), `${g.libelle_group}`)));
}

function etatCarte(texte: string) {
  $('carte-etat').textContent = texte;
}

async function demarrer() {
  const o = await offre();
  const derniere = o.campagnes[o.campagnes.length - 1];
  let centre: [number, number] = [2.5, 46.6];
  let zoom = 5;
  if (derniere) {
    const tj = await obtenir<{ center?: number[] }>(`/tiles/rpg-parcelle-${derniere}.json`);
    if (tj.center) {
      centre = [tj.center[0], tj.center[1]];
      zoom = 13;
    }
  }
  const carte = creerCarte($('carte'), centre, zoom);
  const etat: EtatPage = { carte, offre: o, campagne: derniere ?? 0, territoire: null };
  void legende();
  void obtenir<{ producer?: string; synthetic?: boolean }[]>('/api/datasets?synthetic=true').then((d) => {
    if (d.length) $('sources').textContent = 'Données de démonstration SYNTHÉTIQUES (territoire fictif) : voir /api/datasets.';
  });

  const curseur = $<HTMLInputElement>('campagne');
  if (derniere) {
    curseur.min = String(o.campagnes[0]);
    curseur.max = String(derniere);
    curseur.value = String(derniere);
    $('campagne-valeur').textContent = String(derniere);
  } else {
    curseur.disabled = true;
    $('campagne-valeur').textContent = 'aucune campagne chargée';
  }

  carte.on('load', () => {
    ajouterCouches(carte, o);
    ajouterDessus(carte, o);
    if (derniere) montrerCampagne(carte, derniere, $<HTMLInputElement>('couche-rpg').checked);
    for (const b of ['cadastre', 'aoc', 'plu', 'nature']) basculer(carte, b, $<HTMLInputElement>(`couche-${b}`).checked);
    carte.once('idle', () => {
      document.documentElement.dataset.carte = 'prete';
      performance.mark('terroir:carte-prete');
      indiquerZoom();
    });
  });
  const indiquerZoom = () => etatCarte(carte.getZoom() < 13 ? 'Zoomez (niveau 13 et plus) pour voir les parcelles.' : `Parcelles RPG ${etat.campagne}.`);
  carte.on('zoomend', indiquerZoom);
  carte.on('error', (e) => etatCarte(`Erreur de la carte : ${e.error?.message ?? 'inconnue'}`));

  let minuterie: number | undefined;
  curseur.addEventListener('input', () => {
    const annee = Number(curseur.value);
    $('campagne-valeur').textContent = String(annee);
    etat.campagne = annee;
    montrerCampagne(carte, annee, $<HTMLInputElement>('couche-rpg').checked);
    indiquerZoom();
    clearTimeout(minuterie);
    minuterie = window.setTimeout(() => {
      if (etat.territoire) void choisirTerritoire(etat, etat.territoire, false);
    }, 400);
  });
  for (const b of ['rpg', 'cadastre', 'aoc', 'plu', 'nature', 'bio']) {
    $<HTMLInputElement>(`couche-${b}`).addEventListener('change', (ev) => basculer(carte, b, (ev.target as HTMLInputElement).checked));
  }

  const interroger = async (point: [number, number]) => {
    const cible = $('fiche-contenu');
    try {
      const r = await ficheParcelle(cible, etat.campagne, point);
      $('fiche').scrollIntoView({ block: 'start' });
      (carte.getSource('selection') as GeoJSONSource | undefined)?.setData(r ? { type: 'Feature', geometry: r.geometrie as never, properties: {} } : { type: 'FeatureCollection', features: [] });
    } catch (e) {
      cible.replaceChildren(el('p', { class: 'erreur' }, `Interrogation impossible : ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  carte.on('click', (e) => void interroger([e.lngLat.lng, e.lngLat.lat]));
  $('bouton-centre').addEventListener('click', async () => {
    const c = carte.getCenter();
    await interroger([c.lng, c.lat]);
    $('fiche').focus();
  });

  rechercher(etat);
  agent(etat);
  // The statistics of a drawn area: the rectangle the map shows.
  $('bouton-emprise').addEventListener('click', () => {
    const b = carte.getBounds();
    const [w, s, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => Number(v.toFixed(6)));
    const geom = { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
    (carte.getSource('territoire') as GeoJSONSource | undefined)?.setData({ type: 'Feature', geometry: geom as never, properties: {} });
    void choisirTerritoire(etat, { type: 'geom', code: 'emprise', nom: 'emprise de la carte', bbox: [w, s, e, n], geom }, false).then(() => $('territoire').focus());
  });
  $('bouton-imprimer').addEventListener('click', () => window.print());
  window.addEventListener('beforeprint', () => {
    $('impression-titre').textContent = `Terroir — ${etat.territoire ? `${etat.territoire.nom}, ` : ''}campagne RPG ${etat.campagne} — imprimé le ${new Date().toLocaleDateString('fr-FR')}`;
  });
}

/** Search: the statistics API's territories; until it is served, communes by code or exact name. */
async function chercherTerritoires(q: string): Promise<Territoire[]> {
  try {
    return (await obtenir<{ territoires: Territoire[] }>(`/api/statistiques/territoires?q=${encodeURIComponent(q)}`)).territoires;
  } catch (e) {
    if (!(e instanceof ErreurApi && e.status === 404)) throw e;
  }
  const filtre = /^\d[\dAB]\d{3}$/.test(q) ? `code=${q}` : `nom=${encodeURIComponent(q)}`;
  const fc = await obtenir<Collection<{ id: string; nom_com: string }>>(`/api/limites-administratives/commune?${filtre}&_limit=10`);
  return fc.features.map((f) => ({ type: 'commune', code: f.properties.id, nom: f.properties.nom_com, bbox: f.bbox }));
}

const TYPES: Record<string, string> = { commune: 'commune', epci: 'EPCI', departement: 'département', region: 'région' };

function rechercher(etat: EtatPage) {
  const form = $<HTMLFormElement>('recherche');
  const q = $<HTMLInputElement>('recherche-q');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const texte = q.value.trim();
    const liste = $('recherche-resultats');
    liste.replaceChildren();
    $('recherche-etat').textContent = 'Recherche…';
    try {
      const ts = await chercherTerritoires(texte);
      $('recherche-etat').textContent = ts.length ? `${ts.length} résultat${ts.length > 1 ? 's' : ''}` : `Aucun territoire pour « ${texte} ».`;
      liste.replaceChildren(
        ...ts.slice(0, 10).map((t) => {
          const b = el('button', { type: 'button' }, `${t.nom} (${TYPES[t.type] ?? t.type} ${t.code})`);
          b.addEventListener('click', () => {
            liste.replaceChildren();
            $('recherche-etat').textContent = `${t.nom} choisi.`;
            void choisirTerritoire(etat, t, true);
          });
          return el('li', {}, b);
        }),
      );
      if (ts.length === 1) (liste.querySelector('button') as HTMLButtonElement).focus();
    } catch (e) {
      $('recherche-etat').textContent = `Recherche impossible : ${e instanceof Error ? e.message : String(e)}`;
    }
  });
}

async function choisirTerritoire(etat: EtatPage, t: Territoire, cadrer: boolean) {
  etat.territoire = t;
  performance.mark('terroir:territoire-choisi');
  const { carte } = etat;
  if (cadrer && t.bbox && t.bbox.length >= 4) {
    carte.fitBounds([t.bbox[0], t.bbox[1], t.bbox[2], t.bbox[3]], { padding: 20, duration: 0 });
    // A commune is shown with its parcels (tiles from zoom 13), even if it then overflows the view.
    if (t.type === 'commune' && carte.getZoom() < 13) carte.setZoom(13);
  }
  if (cadrer && t.type !== 'commune') (carte.getSource('territoire') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: [] });
  if (cadrer && t.type === 'commune') {
    void obtenir<Collection>(`/api/limites-administratives/commune?code=${encodeURIComponent(t.code)}`)
      .then((fc) => (carte.getSource('territoire') as GeoJSONSource | undefined)?.setData(fc as never))
      .catch(() => undefined);
  }
  const cible = $('territoire-contenu');
  await panneauTerritoire(cible, t, etat.offre.campagnes, etat.campagne);
  if (cle()) $('cle-etat').textContent = await coucheBio(carte, t, etat.campagne, $<HTMLInputElement>('couche-bio').checked);
  if (cadrer) $('territoire').focus();
}

function agent(etat: EtatPage) {
  const form = $<HTMLFormElement>('cle-form');
  const champ = $<HTMLInputElement>('cle');
  const etatCle = $('cle-etat');
  const oubli = $<HTMLButtonElement>('cle-oubli');
  const activer = async () => {
    try {
      const instructeur = await estInstructeur();
      etatCle.textContent = instructeur ? 'Connecté : instructeur des demandes de niveau 2.' : 'Connecté.';
      form.hidden = true;
      oubli.hidden = false;
      $('bascule-bio').hidden = false;
      if (instructeur) await registre($('registre'));
      if (etat.territoire) etatCle.textContent += ` ${await coucheBio(etat.carte, etat.territoire, etat.campagne, true)}`;
    } catch (e) {
      garderCle(null);
      etatCle.textContent = `Clé refusée : ${e instanceof Error ? e.message : String(e)}`;
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = champ.value.trim();
    if (!v) return;
    garderCle(v);
    champ.value = '';
    void activer();
  });
  oubli.addEventListener('click', () => {
    garderCle(null);
    form.hidden = false;
    oubli.hidden = true;
    $('bascule-bio').hidden = true;
    $('registre').hidden = true;
    $('registre').replaceChildren();
    etatCle.textContent = 'Déconnecté : la clé est effacée de cette session.';
    if (etat.carte.getSource('bio')) void coucheBio(etat.carte, null, etat.campagne, false);
  });
  if (cle()) void activer();
}

demarrer().catch((e) => etatCarte(`La carte n’a pas pu démarrer : ${e instanceof Error ? e.message : String(e)}`));
