/**
 * The information notice of GDPR art. 14 (data not obtained from the data subject), prefilled from an
 * accepted request, for the requester to send to the farmers concerned (instruction §3.2.2 and annex 2).
 */
import type { Demande } from './demandes.ts';
import { CATEGORIES, tableById } from './tables.ts';

const contact = (c: { nom: string; courriel: string; adresse?: string; telephone?: string }) =>
  [c.nom, c.adresse, c.courriel, c.telephone].filter(Boolean).join(' — ');

export function noticeArt14(d: Demande): string {
  const granted = d.accorde?.tables ?? d.demande.tables;
  const categories = new Set<string>();
  for (const [table, attrs] of Object.entries(granted)) {
    const t = tableById(table);
    for (const a of t?.attributes ?? []) if (attrs.includes(a.name)) categories.add(CATEGORIES[a.categorie]);
  }
  const campagnes = (d.accorde?.campagnes ?? d.campagnes).join(', ');
  const q = d.demande;
  return [
    'INFORMATION DES EXPLOITANTS — article 14 du règlement (UE) 2016/679 (RGPD)',
    '',
    `Traitement : ${q.traitement}`,
    `a) Responsable du traitement : ${contact(q.responsable)}`,
    `b) Délégué à la protection des données : ${contact(q.dpo)}`,
    `c) Finalités : ${q.finalite}${q.sous_finalites?.length ? ` ; sous-finalités : ${q.sous_finalites.join(' ; ')}` : ''}.`,
    `   Base juridique : mission de service public du responsable du traitement (RGPD art. 6.1.e) — ${q.mission}.`,
    `d) Catégories de données concernées : ${[...categories].join(' ; ')} (campagnes PAC ${campagnes}).`,
    `e) Destinataires : ${q.destinataires ?? 'les seuls services du responsable du traitement chargés de ce traitement'}.`,
    'f) Transfert hors de l’Union européenne : aucun.',
    `Durée de conservation : ${q.conservation}.`,
    'Droits : vous pouvez demander au responsable du traitement l’accès à vos données, leur rectification ou leur effacement, une',
    'limitation du traitement, et vous opposer au traitement, en écrivant au responsable du traitement ou au délégué ci-dessus.',
    'Vous pouvez introduire une réclamation auprès de la CNIL (www.cnil.fr).',
    'Source des données : données du système intégré de gestion et de contrôle des aides de la PAC (registre parcellaire graphique,',
    `niveau 2), communiquées par ${d.instructeur === 'ssp' ? 'le service de la statistique et de la prospective (SSP)' : `la DRAAF/DAAF de la région ${d.region}`}`,
    `en application de l’instruction technique DGPE/MVDGN/2018-706 (demande n° ${d.id}) ; ces données ne sont pas issues de sources accessibles au public.`,
    'Aucune décision automatisée ni profilage n’est fondé sur ces données.',
    '',
  ].join('\n');
}
