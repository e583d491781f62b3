// The home screen: three big choices, one per user.
import { JOURNEYS, type Journey } from './url.js';

export const JOURNEY_INFO: Record<Journey, { title: string; short: string; text: string }> = {
  ars: {
    title: 'Planificateur ARS',
    short: 'ARS',
    text: 'Chevauchements entre CPTS, communes non couvertes, couverture par département et région, fiche de chaque CPTS, vérification d’un périmètre.',
  },
  urps: {
    title: 'URPS pharmaciens',
    short: 'URPS',
    text: 'Les officines selon leur participation à l’exercice coordonné, filtrées par département, CPTS, statut ou zonage, et exportables en CSV.',
  },
  pharmacien: {
    title: 'Pharmacien',
    short: 'Pharmacien',
    text: 'Retrouver mon officine ou ma commune : la CPTS qui la couvre, les structures les plus proches, ce que l’adhésion permet et qui contacter.',
  },
};

export function Home({ open }: { open: (j: Journey) => void }) {
  return (
    <div className="home">
      <h1>Exercice coordonné : CPTS, maisons de santé et officines</h1>
      <p className="lead">Choisissez votre point de vue. Chaque élément de la carte s’y détaille d’un clic.</p>
      <div className="choices">
        {JOURNEYS.map((j) => (
          <button key={j} type="button" className={`choice choice-${j}`} onClick={() => open(j)} data-testid={`journey-${j}`}>
            <span className="choice-title">{JOURNEY_INFO[j].title}</span>
            <span className="choice-text">{JOURNEY_INFO[j].text}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
