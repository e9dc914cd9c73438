/**
 * The territory panel: the statistics API (`/api/statistiques/*`) as charts with their tables, each
 * downloadable as CSV (the same URL with `format=csv`), and the territory's layers to download.
 */
import { cle, el, ErreurApi, ha, obtenir, pct, entier, telecharger, type Geometrie } from './api.ts';
import { couleurGroupe } from './couleurs.ts';
import { barres, piles } from './graphiques.ts';

/** A unit found by the search, or a drawn area (`geom`: the map's extent). */
export interface Territoire {
  type: 'commune' | 'epci' | 'departement' | 'region' | 'geom';
  code: string;
  nom: string;
  bbox?: number[];
  geom?: Geometrie;
}

interface Groupe {
  code_groupe: string | number;
  libelle: string;
  surface_ha: number;
  parcelles: number;
  cultures: { code_cultu: string; libelle: string; surface_ha: number; parcelles: number }[];
}
/** A campaign not completed ("constatée") comes with `complete: false` and no figure. */
interface CampagneStat {
  campagne: number;
  complete: boolean;
  surface_agricole_ha: number | null;
  parcelles: number | null;
  part_derobee: number | null;
  groupes: Groupe[];
}
type Complete = CampagneStat & { surface_agricole_ha: number; parcelles: number; part_derobee: number };
const estComplete = (c: CampagneStat): c is Complete => c.complete && c.surface_agricole_ha !== null;
interface Cultures {
  territoire: { type: string; code: string; nom: string; surface_ha: number };
  campagnes: CampagneStat[];
}
interface Transitions {
  transitions: { de: number; vers: number; complete?: boolean; flux: { groupe_de: string | number; libelle_de: string; groupe_vers: string | number; libelle_vers: string; surface_ha: number }[] }[];
}
interface Zonages {
  campagne: number;
  surface_agricole_ha: number;
  zonages: { famille: string; type: string; libelle: string; surface_ha: number; part: number }[];
}
interface Bio {
  campagnes: { campagne: number; surface_agricole_ha: number; surface_bio_ha: number; part_bio: number; etapes: { etape: string; surface_ha: number; part: number }[] }[];
}

const PARAM: Record<Territoire['type'], string> = { commune: 'code_insee', epci: 'code_epci', departement: 'code_dep', region: 'code_reg', geom: 'geom' };
const NOM_TYPE: Record<Territoire['type'], string> = { commune: 'Commune', epci: 'EPCI', departement: 'Département', region: 'Région', geom: 'Zone dessinée :' };

export function parametre(t: Territoire): string {
  return `${PARAM[t.type]}=${encodeURIComponent(t.type === 'geom' ? JSON.stringify(t.geom) : t.code)}`;
}

function csv(url: string, nom: string): HTMLAnchorElement {
  return el('a', { href: `${url}&format=csv`, download: nom, class: 'lien-csv' }, 'Télécharger en CSV');
}

function section(id: string, titre: string, ...contenu: (Node | string | null)[]): HTMLElement {
  return el('section', { class: 'stat', id, 'aria-labelledby': `${id}-titre` }, el('h3', { id: `${id}-titre` }, titre), ...contenu);
}

function tableau(legende: string, entetes: string[], lignes: (string | [string, string])[][], classe = ''): HTMLTableElement {
  const t = el('table', { class: `chiffres ${classe}` }, el('caption', {}, legende));
  t.append(el('thead', {}, el('tr', {}, ...entetes.map((h) => el('th', { scope: 'col' }, h)))));
  const corps = el('tbody');
  for (const l of lignes) {
    corps.append(
      el(
        'tr',
        {},
        ...l.map((c, i) => {
          const [texte, brut] = Array.isArray(c) ? c : [c, ''];
          const cell = i === 0 ? el('th', { scope: 'row' }, texte) : el('td', {}, texte);
          if (brut) cell.dataset.valeur = brut;
          return cell;
        }),
      ),
    );
  }
  t.append(corps);
  return t;
}

function echec(e: unknown): HTMLElement {
  const m = e instanceof ErreurApi ? `${e.message} (${e.status})` : String(e);
  return el('p', { class: 'erreur' }, `Statistiques indisponibles : ${m}`);
}

/** Fills `cible` with the panel of `t` for `campagne` (and the range of `campagnes`). */
export async function panneauTerritoire(cible: HTMLElement, t: Territoire, campagnes: number[], campagne: number): Promise<void> {
  const p = parametre(t);
  const debut = Math.min(...campagnes);
  const fin = Math.max(...campagnes);
  const plage = `campagne_debut=${debut}&campagne_fin=${fin}`;
  cible.replaceChildren(el('p', { role: 'status' }, `Calcul des statistiques de ${t.nom}…`));
  const urlCultures = `/api/statistiques/cultures?${p}&${plage}`;
  const urlTransitions = `/api/statistiques/transitions?${p}&${plage}`;
  const urlZonages = `/api/statistiques/zonages?${p}&campagne=${campagne}`;
  const urlBio = `/api/statistiques/bio?${p}&${plage}`;
  const [cultures, transitions, zonages] = await Promise.allSettled([obtenir<Cultures>(urlCultures), obtenir<Transitions>(urlTransitions), obtenir<Zonages>(urlZonages)]);
  const tete = el('p', { class: 'territoire-nom' }, el('strong', {}, `${NOM_TYPE[t.type]} ${t.nom}`), t.type === 'geom' ? '' : ` (${t.code})`);
  const blocs: HTMLElement[] = [tete];

  if (cultures.status === 'fulfilled') {
    const c = cultures.value;
    tete.append(` — ${ha.format(c.territoire.surface_ha)} ha`);
    const completes = c.campagnes.filter(estComplete);
    const choisie = c.campagnes.find((x) => x.campagne === campagne);
    const annee = choisie && estComplete(choisie) ? choisie : completes[completes.length - 1];
    if (choisie && !estComplete(choisie)) blocs.push(el('p', { class: 'petit' }, `La campagne ${campagne} n’est pas constatée : pas encore de chiffres publics ; l’assolement montré est celui de ${annee?.campagne ?? 'aucune campagne'}.`));
    if (annee) {
      const groupes = [...annee.groupes].sort((a, b) => b.surface_ha - a.surface_ha);
      blocs.push(
        section(
          'stat-assolement',
          `Assolement ${annee.campagne}`,
          el(
            'p',
            { class: 'resume' },
            'Surface agricole déclarée : ',
            el('strong', { id: 'stat-surface', 'data-valeur': String(annee.surface_agricole_ha) }, `${ha.format(annee.surface_agricole_ha)} ha`),
            ', ',
            el('strong', { id: 'stat-parcelles', 'data-valeur': String(annee.parcelles) }, entier.format(annee.parcelles)),
            ' parcelles, cultures dérobées : ',
            el('strong', { 'data-valeur': String(annee.part_derobee) }, pct.format(annee.part_derobee)),
          ),
          barres(
            `Surface par groupe de cultures, ${annee.campagne}`,
            groupes.map((g) => ({ libelle: g.libelle, valeur: g.surface_ha, couleur: couleurGroupe(g.code_groupe), texte: `${ha.format(g.surface_ha)} ha` })),
          ),
          el(
            'details',
            {},
            el('summary', {}, 'Tableau par groupe et par culture'),
            tableau(
              `Surfaces par groupe et culture, ${annee.campagne}`,
              ['Groupe / culture', 'Surface (ha)', 'Parcelles'],
              groupes.flatMap((g) => [
                [g.libelle, [ha.format(g.surface_ha), String(g.surface_ha)], [entier.format(g.parcelles), String(g.parcelles)]],
                ...g.cultures.map((k) => [`  ${k.libelle} (${k.code_cultu})`, [ha.format(k.surface_ha), String(k.surface_ha)], [entier.format(k.parcelles), String(k.parcelles)]] as (string | [string, string])[]),
              ]),
              'tableau-groupes',
            ),
          ),
          csv(urlCultures, `cultures-${t.type}-${t.code}.csv`),
        ),
      );
      const principaux = [...new Set(completes.flatMap((x) => x.groupes).sort((a, b) => b.surface_ha - a.surface_ha).map((g) => String(g.code_groupe)))];
      blocs.push(
        section(
          'stat-evolution',
          `Évolution ${debut}–${fin}`,
          piles(
            'Surface par groupe de cultures et par campagne',
            completes.map((x) => ({
              libelle: String(x.campagne),
              total: `${entier.format(x.surface_agricole_ha)}`,
              parts: principaux.map((code) => {
                const g = x.groupes.find((gg) => String(gg.code_groupe) === code);
                return { cle: `${g?.libelle ?? code} : ${ha.format(g?.surface_ha ?? 0)} ha`, valeur: g?.surface_ha ?? 0, couleur: couleurGroupe(code) };
              }),
            })),
          ),
          tableau(
            'Surface agricole par campagne',
            ['Campagne', 'Surface (ha)', 'Parcelles', 'Dérobées'],
            c.campagnes.map((x) =>
              estComplete(x)
                ? [String(x.campagne), [ha.format(x.surface_agricole_ha), String(x.surface_agricole_ha)], entier.format(x.parcelles), pct.format(x.part_derobee)]
                : [`${x.campagne} (non constatée)`, '—', '—', '—'],
            ),
          ),
        ),
      );
    }
  } else blocs.push(echec(cultures.reason));

  if (transitions.status === 'fulfilled') {
    const paires = transitions.value.transitions.filter((x) => x.complete !== false);
    const tr = paires.find((x) => x.vers === campagne) ?? paires[paires.length - 1];
    if (tr) {
      const de = [...new Map(tr.flux.map((f) => [String(f.groupe_de), f.libelle_de])).entries()];
      const vers = [...new Map(tr.flux.map((f) => [String(f.groupe_vers), f.libelle_vers])).entries()];
      const max = Math.max(...tr.flux.map((f) => f.surface_ha), 1e-9);
      const table = el('table', { class: 'chiffres matrice' }, el('caption', {}, `Transitions ${tr.de} → ${tr.vers} (ha ; lignes : groupe en ${tr.de}, colonnes : groupe en ${tr.vers})`));
      const court = (l: string) => (l.length > 18 ? el('abbr', { title: l }, `${l.slice(0, 17)}…`) : l);
      table.append(el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, `${tr.de} \\ ${tr.vers}`), ...vers.map(([, l]) => el('th', { scope: 'col' }, court(l))))));
      const corps = el('tbody');
      for (const [code, libelle] of de) {
        const ligne = el('tr', {}, el('th', { scope: 'row' }, libelle));
        for (const [cv] of vers) {
          const f = tr.flux.find((x) => String(x.groupe_de) === code && String(x.groupe_vers) === cv);
          const v = f?.surface_ha ?? 0;
          const td = el('td', {}, v ? ha.format(v) : '');
          if (v) td.style.background = `rgba(11, 61, 145, ${(0.08 + 0.5 * (v / max)).toFixed(2)})`;
          ligne.append(td);
        }
        corps.append(ligne);
      }
      table.append(corps);
      blocs.push(section('stat-transitions', `Transitions de cultures ${tr.de} → ${tr.vers}`, el('div', { class: 'defile', tabindex: '0', role: 'group', 'aria-label': 'Matrice des transitions' }, table), csv(urlTransitions, `transitions-${t.type}-${t.code}.csv`)));
    }
  } else blocs.push(echec(transitions.reason));

  if (zonages.status === 'fulfilled') {
    const z = zonages.value;
    blocs.push(
      section(
        'stat-zonages',
        `Surface agricole dans les zonages, ${z.campagne}`,
        barres(
          'Part de la surface agricole par zonage',
          z.zonages.map((x) => ({ libelle: x.libelle, valeur: x.part, couleur: '#0b3d91', texte: pct.format(x.part) })),
        ),
        tableau(
          'Surface agricole par zonage',
          ['Zonage', 'Surface (ha)', 'Part'],
          z.zonages.map((x) => [`${x.libelle}`, [ha.format(x.surface_ha), String(x.surface_ha)], [pct.format(x.part), String(x.part)]]),
        ),
        csv(urlZonages, `zonages-${t.type}-${t.code}-${z.campagne}.csv`),
      ),
    );
  } else blocs.push(echec(zonages.reason));

  if (cle()) {
    try {
      const b = await obtenir<Bio>(urlBio, true);
      const couleurs: Record<string, string> = { AB: '#1b7837', C1: '#a6dba0', C2: '#5aae61', C3: '#2d8a3e', CONV: '#d9f0d3' };
      const bouton = el('button', { type: 'button', class: 'lien-csv' }, 'Télécharger en CSV');
      bouton.addEventListener('click', () => void telecharger(`${urlBio}&format=csv`, `bio-${t.type}-${t.code}.csv`));
      blocs.push(
        section(
          'stat-bio',
          'Agriculture biologique (accès restreint)',
          piles(
            'Surface bio par étape de conversion et par campagne',
            b.campagnes.map((x) => ({ libelle: String(x.campagne), total: pct.format(x.part_bio), parts: x.etapes.map((e) => ({ cle: `${e.etape} : ${ha.format(e.surface_ha)} ha`, valeur: e.surface_ha, couleur: couleurs[e.etape] ?? '#888' })) })),
          ),
          tableau(
            'Surface et part bio par campagne',
            ['Campagne', 'Surface bio (ha)', 'Part bio'],
            b.campagnes.map((x) => [String(x.campagne), [ha.format(x.surface_bio_ha), String(x.surface_bio_ha)], [pct.format(x.part_bio), String(x.part_bio)]]),
          ),
          bouton,
        ),
      );
    } catch (e) {
      blocs.push(el('p', { class: 'petit' }, `Agriculture biologique : ${e instanceof Error ? e.message : String(e)}`));
    }
  }
  blocs.push(telechargements(t, campagne));
  cible.replaceChildren(...blocs);
  if (cible.querySelector('svg.graphique')) performance.mark('terroir:premier-graphique');
}

/** The territory's layers: GeoJSON (OGC API items over the territory's extent); organic parcels as Shapefile with a key. */
function telechargements(t: Territoire, campagne: number): HTMLElement {
  const b = t.bbox?.map((v) => v.toFixed(6)).join(',');
  const liens: HTMLElement[] = [];
  if (b) {
    for (const [id, libelle] of [
      [`rpg-parcelle-${campagne}`, `Parcelles RPG ${campagne}`],
      ['cadastre-parcelle', 'Parcelles cadastrales'],
      ['gpu-zone-urba', 'Zonage d’urbanisme'],
      ['aoc-appellation-viticole', 'AOC viticoles'],
    ]) {
      liens.push(el('li', {}, el('a', { href: `/ogc/collections/${id}/items?bbox=${b}&limit=10000&f=json`, download: `${id}-${t.code}.geojson` }, `${libelle} (GeoJSON)`)));
    }
  }
  if (cle() && (t.type === 'commune' || t.type === 'epci')) {
    const chemin = t.type === 'commune' ? `insee/${t.code}` : `epci/${t.code}`;
    const bouton = el('button', { type: 'button' }, `Parcelles bio ${campagne} (Shapefile zippé)`);
    bouton.addEventListener('click', () => void telecharger(`/api/v1/territoires/${chemin}?millesime=${campagne}&format=shapefile`, `bio-${t.code}-${campagne}.zip`).catch((e) => alert(e.message)));
    liens.push(el('li', {}, bouton));
  }
  return section('stat-couches', 'Couches du territoire', el('p', { class: 'petit' }, 'Emprise du territoire (rectangle englobant), au plus 10 000 objets par fichier.'), el('ul', {}, ...liens));
}
