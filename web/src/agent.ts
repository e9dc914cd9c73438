/**
 * Signed-in public bodies: the key is entered once and kept in sessionStorage only (gone with the
 * tab). With it: the organic parcels of the territory shown (CartoBio Territoires route, which
 * checks the territory) and, for instructors, the level-2 register: requests routed to them, one
 * opened, accepted or refused with a reason (`/api/niveau2`, docs/niveau2.md).
 */
import type { GeoJSONSource, Map as Carte } from 'maplibre-gl';
import { cle, el, envoyer, ErreurApi, garderCle, obtenir, telecharger } from './api.ts';
import type { Territoire } from './territoire.ts';

interface Demande {
  id: number;
  organisation_nom: string;
  nature: string;
  instructeur: string;
  region: string | null;
  statut: string;
  demande: Record<string, unknown>;
  communes: string[];
  campagnes: number[];
  motif_refus: string | null;
  depose_le: string;
  decide_le: string | null;
  expire_le: string | null;
}

const STATUTS: Record<string, string> = { deposee: 'déposée', acceptee: 'acceptée', refusee: 'refusée' };

/** Whether the key is an instructor's (the register answers), asked of the API; a 401 is an unknown key. */
export async function estInstructeur(): Promise<boolean> {
  try {
    await obtenir('/api/niveau2/registre?evenement=depot', true);
    return true;
  } catch (e) {
    if (e instanceof ErreurApi && e.status === 403) return false;
    throw e;
  }
}

/** Shows the organic parcels of `t` for `campagne` (commune or EPCI), or clears them. */
export async function coucheBio(carte: Carte, t: Territoire | null, campagne: number, visible: boolean): Promise<string> {
  const vide = { type: 'FeatureCollection' as const, features: [] };
  if (!carte.getSource('bio')) {
    carte.addSource('bio', { type: 'geojson', data: vide });
    const avant = carte.getLayer('cadastre') ? 'cadastre' : 'communes-contour';
    carte.addLayer({ id: 'bio', type: 'fill', source: 'bio', paint: { 'fill-color': '#1b7837', 'fill-opacity': 0.55 } }, avant);
    carte.addLayer({ id: 'bio-contour', type: 'line', source: 'bio', paint: { 'line-color': '#0b4d1f', 'line-width': 1.5 } }, avant);
  }
  const src = carte.getSource('bio') as GeoJSONSource;
  for (const id of ['bio', 'bio-contour']) carte.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  if (!cle() || !t || (t.type !== 'commune' && t.type !== 'epci')) {
    src.setData(vide);
    return cle() ? 'Choisissez une commune ou un EPCI pour voir ses parcelles bio.' : '';
  }
  const chemin = t.type === 'commune' ? `insee/${t.code}` : `epci/${t.code}`;
  try {
    const fc = await obtenir<{ features: unknown[] }>(`/api/v1/territoires/${chemin}?millesime=${campagne}`, true);
    src.setData(fc as never);
    return `${fc.features.length} parcelles bio en ${campagne} sur ${t.nom}.`;
  } catch (e) {
    src.setData(vide);
    return `Parcelles bio : ${e instanceof Error ? e.message : String(e)}`;
  }
}

function ligneDemande(d: Demande, ouvrir: (id: number) => void): HTMLElement {
  const b = el('button', { type: 'button' }, `Ouvrir la demande ${d.id}`);
  b.addEventListener('click', () => ouvrir(d.id));
  return el('tr', {}, el('td', {}, b), el('td', {}, d.organisation_nom), el('td', {}, STATUTS[d.statut] ?? d.statut), el('td', {}, d.depose_le.slice(0, 10)));
}

/** The register panel of an instructor. */
export async function registre(cible: HTMLElement): Promise<void> {
  cible.hidden = false;
  const demandes = await obtenir<Demande[]>('/api/niveau2/demandes', true);
  const detail = el('div', { id: 'demande-detail', tabindex: '-1' });
  const ouvrir = async (id: number) => {
    const d = await obtenir<Demande>(`/api/niveau2/demandes/${id}`, true);
    const motif = el('textarea', { id: 'motif', rows: '3', maxlength: '2000' });
    const etat = el('p', { role: 'status', 'aria-live': 'polite' });
    const decider = async (decision: 'acceptation' | 'refus') => {
      const texte = motif.value.trim();
      if (decision === 'refus' && !texte) {
        etat.textContent = 'Un refus doit être motivé : indiquez le motif.';
        motif.focus();
        return;
      }
      try {
        await envoyer(`/api/niveau2/demandes/${id}/decision`, texte ? { decision, motif: texte } : { decision }, true);
        etat.textContent = decision === 'acceptation' ? 'Demande acceptée.' : 'Demande refusée.';
        await registre(cible);
      } catch (e) {
        etat.textContent = `Décision impossible : ${e instanceof Error ? e.message : String(e)}`;
      }
    };
    const accepter = el('button', { type: 'button' }, 'Accepter');
    const refuser = el('button', { type: 'button' }, 'Refuser');
    accepter.addEventListener('click', () => void decider('acceptation'));
    refuser.addEventListener('click', () => void decider('refus'));
    const champ = (k: string) => String((d.demande as Record<string, unknown>)[k] ?? '');
    detail.replaceChildren(
      el('h4', {}, `Demande n° ${d.id} — ${STATUTS[d.statut] ?? d.statut}`),
      el(
        'dl',
        { class: 'fiche-tete' },
        el('dt', {}, 'Organisme'),
        el('dd', {}, d.organisation_nom),
        el('dt', {}, 'Nature'),
        el('dd', {}, d.nature),
        el('dt', {}, 'Traitement'),
        el('dd', {}, champ('traitement')),
        el('dt', {}, 'Finalité'),
        el('dd', {}, champ('finalite')),
        el('dt', {}, 'Communes'),
        el('dd', {}, d.communes.join(', ')),
        el('dt', {}, 'Campagnes'),
        el('dd', {}, d.campagnes.join(', ')),
        ...(d.motif_refus ? [el('dt', {}, 'Motif du refus'), el('dd', {}, d.motif_refus)] : []),
      ),
      ...(d.statut === 'deposee' ? [el('label', { for: 'motif' }, 'Motif (obligatoire pour un refus)'), motif, el('div', { class: 'boutons' }, accepter, refuser)] : []),
      etat,
    );
    detail.focus();
  };
  const table = el(
    'table',
    { class: 'chiffres' },
    el('caption', {}, `Demandes de données RPG niveau 2 (${demandes.length})`),
    el('thead', {}, el('tr', {}, ...['Demande', 'Organisme', 'Statut', 'Déposée le'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...demandes.map((d) => ligneDemande(d, (id) => void ouvrir(id)))),
  );
  cible.replaceChildren(el('h3', {}, 'Registre RPG niveau 2'), el('div', { class: 'defile', tabindex: '0', role: 'group', 'aria-label': 'Liste des demandes' }, table), detail, el('a', { href: '#', id: 'registre-csv' }, 'Registre complet en CSV'));
  cible.querySelector('#registre-csv')!.addEventListener('click', async (ev) => {
    ev.preventDefault();
    await telecharger('/api/niveau2/registre?format=csv', 'registre-niveau2.csv');
  });
}

export function oublier() {
  garderCle(null);
}
