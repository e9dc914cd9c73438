/**
 * A parcel's sheet: what the public API says about the RPG parcel under a point — its crop and
 * area, the cadastral parcels under it, the urbanism zone and prescriptions, the AOC and the
 * protected zones that apply. Every figure comes from an API route, never from the tile alone.
 */
import { el, envoyer, ha, entier, obtenir, type Collection, type Geometrie } from './api.ts';
import { couleurGroupe } from './couleurs.ts';
import { NATURE } from './carte.ts';

export interface Culture {
  code_cultu: string;
  libelle_cultu: string;
  code_group: number;
  libelle_group: string;
}

let cultures: Map<string, Culture> | null = null;
export async function nomenclature(): Promise<Map<string, Culture>> {
  if (!cultures) cultures = new Map((await obtenir<Culture[]>('/api/nomenclature/cultures')).map((c) => [c.code_cultu, c]));
  return cultures;
}

const NOMS_NATURE: Record<string, string> = {
  'natura-habitat': 'Natura 2000 (directive Habitats)',
  'natura-oiseaux': 'Natura 2000 (directive Oiseaux)',
  znieff1: 'ZNIEFF de type 1',
  znieff2: 'ZNIEFF de type 2',
  pn: 'Parc national',
  pnr: 'Parc naturel régional',
  rnn: 'Réserve naturelle nationale',
  rnc: 'Réserve naturelle de Corse',
  rncf: 'Réserve nationale de chasse et de faune sauvage',
};

interface Rpg {
  id_parcel: string;
  surf_parc: number;
  code_cultu: string;
  code_group: string;
  culture_d1: string;
  culture_d2: string;
}

function liste(titre: string, elements: (Node | string)[], vide: string): HTMLElement {
  return el('div', { class: 'fiche-rubrique' }, el('h3', {}, titre), elements.length ? el('ul', {}, ...elements.map((e) => el('li', {}, e))) : el('p', { class: 'vide' }, vide));
}

/** Fills `cible` with the sheet of the RPG parcel of `campagne` under `point` ([lon, lat]); false when there is none. */
export async function ficheParcelle(cible: HTMLElement, campagne: number, point: [number, number]): Promise<{ geometrie: Geometrie } | null> {
  cible.replaceChildren(el('p', { role: 'status' }, 'Recherche de la parcelle…'));
  const geom = { type: 'Point', coordinates: point };
  const rpg = await obtenir<Collection<Rpg>>(`/api/rpg/v2?annee=${campagne}&geom=${encodeURIComponent(JSON.stringify(geom))}`);
  const p = rpg.features[0];
  if (!p) {
    cible.replaceChildren(el('p', {}, `Aucune parcelle RPG déclarée en ${campagne} à cet endroit.`));
    return null;
  }
  const nomen = await nomenclature();
  const corps = { geom: p.geometry };
  const [cadastre, gpu, aoc, ...nature] = await Promise.all([
    envoyer<Collection>('/api/cadastre/parcelle', corps),
    envoyer<Collection[]>('/api/gpu/all', corps),
    envoyer<Collection>('/api/aoc/appellation-viticole', corps),
    ...NATURE.map((n) => envoyer<Collection>(`/api/nature/${n}`, corps).catch(() => ({ features: [] }) as Collection)),
  ]);
  const pr = p.properties;
  const c = nomen.get(pr.code_cultu);
  const derobees = [pr.culture_d1, pr.culture_d2].filter(Boolean);
  const pastille = el('span', { class: 'pastille', style: `background:${couleurGroupe(pr.code_group)}`, 'aria-hidden': 'true' });
  const couche = (nom: string) => gpu.find((g) => g.featureType === nom)?.features ?? [];
  const zones = [...couche('zone-urba'), ...couche('secteur-cc')].map((z) => `${z.properties.libelle ?? ''} — ${z.properties.libelong ?? z.properties.typezone ?? ''} (${z.properties.idurba ?? ''})`);
  const prescriptions = ['prescription-surf', 'prescription-lin', 'prescription-pct', 'info-surf', 'info-lin', 'info-pct'].flatMap((n) =>
    couche(n).map((z) => `${z.properties.libelle ?? ''} — ${z.properties.txt ?? z.properties.lib_typepsc ?? z.properties.lib_typeinf ?? ''}`),
  );
  const protegees = NATURE.flatMap((n, i) => nature[i].features.map((z) => `${NOMS_NATURE[n]} : ${z.properties.nom ?? z.properties.sitename ?? z.properties.id_mnhn ?? ''}`));
  cible.replaceChildren(
    el(
      'dl',
      { class: 'fiche-tete' },
      el('dt', {}, 'Culture ', String(campagne)),
      el('dd', { id: 'fiche-culture' }, pastille, `${c?.libelle_cultu ?? pr.code_cultu} (${pr.code_cultu})`),
      el('dt', {}, 'Groupe'),
      el('dd', {}, `${c?.libelle_group ?? ''} (${pr.code_group})`),
      el('dt', {}, 'Surface'),
      el('dd', { id: 'fiche-surface' }, `${ha.format(pr.surf_parc)} ha`),
      el('dt', {}, 'Identifiant'),
      el('dd', {}, pr.id_parcel),
      el('dt', {}, 'Cultures dérobées'),
      el('dd', {}, derobees.length ? derobees.join(', ') : 'aucune'),
    ),
    liste(
      `Parcelles cadastrales (${cadastre.features.length})`,
      cadastre.features.map((f) => `${f.properties.idu} — section ${f.properties.section} n° ${f.properties.numero}, ${f.properties.nom_com}, ${entier.format(Number(f.properties.contenance))} m²`),
      'aucune parcelle cadastrale chargée ici',
    ),
    liste('Zonage d’urbanisme', zones, 'aucun document d’urbanisme chargé ici (RNU ou non chargé)'),
    liste('Prescriptions et informations d’urbanisme', prescriptions, 'aucune'),
    liste('AOC viticoles', aoc.features.map((f) => `${f.properties.denom ?? f.properties.app ?? ''} (${f.properties.type_denom ?? f.properties.categorie ?? 'AOC'})`), 'hors de toute aire AOC chargée'),
    liste('Zones naturelles protégées ou inventoriées', protegees, 'aucune'),
  );
  return { geometrie: p.geometry };
}
