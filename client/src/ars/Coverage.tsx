// Share of communes and inhabitants in a CPTS, per région and per département.
import { getCoverage, useApi, type CoverageFigures, type CoverageRow } from '../api.js';
import { areaKey, useArea } from '../Area.js';
import { fmtDec, fmtInt } from '../format.js';
import { Async, Sources, SortTable, type Column } from '../ui.js';
import { useUrl } from '../url.js';

const pct = (v: number | null) => (v === null ? '—' : `${fmtDec(v)} %`);

const columns = (first: string): Column<CoverageRow>[] => [
  { key: 'nom', label: first, value: (r) => r.nom, render: (r) => `${r.nom} (${r.code})` },
  { key: 'pp', label: 'Pop. couverte', value: (r) => r.partPopulationPct, numeric: true, render: (r) => pct(r.partPopulationPct) },
  { key: 'pc', label: 'Communes couvertes', value: (r) => r.partCommunesPct, numeric: true, render: (r) => pct(r.partCommunesPct) },
  { key: 'multi', label: 'Multi-CPTS', value: (r) => r.nbCommunesMultiCpts, numeric: true, render: (r) => fmtInt(r.nbCommunesMultiCpts) },
  {
    key: 'nonoff',
    label: 'Non officiel',
    value: (r) => r.nbCommunesCouvertesHorsOfficiel,
    numeric: true,
    render: (r) => fmtInt(r.nbCommunesCouvertesHorsOfficiel),
  },
];

function Figures({ t }: { t: CoverageFigures }) {
  return (
    <div className="figures" data-testid="coverage-total">
      <div className="figure">
        <span className="v">{pct(t.partPopulationPct)}</span>
        <span className="k">des habitants dans une CPTS ({fmtInt(t.populationCouverte)} sur {fmtInt(t.population)})</span>
      </div>
      <div className="figure">
        <span className="v">{pct(t.partCommunesPct)}</span>
        <span className="k">
          des communes ({fmtInt(t.nbCommunesCouvertes)} sur {fmtInt(t.nbCommunes)})
        </span>
      </div>
      <div className="figure">
        <span className="v">{fmtInt(t.nbCommunesMultiCpts)}</span>
        <span className="k">communes dans plusieurs CPTS ({fmtInt(t.populationMultiCpts)} hab.)</span>
      </div>
      <div className="figure">
        <span className="v">{fmtInt(t.nbCommunesCouvertesHorsOfficiel)}</span>
        <span className="k">communes couvertes seulement par des périmètres non officiels</span>
      </div>
    </div>
  );
}

export function Coverage() {
  const area = useArea();
  const [, setUrl] = useUrl();
  const state = useApi(`coverage:${areaKey(area)}`, (s) => getCoverage(area, s));
  return (
    <Async state={state} what="de la couverture">
      {(d) => (
        <>
          <Figures t={d.total} />
          <h3>Par région</h3>
          <SortTable rows={d.regions} columns={columns('Région')} rowKey={(r) => r.code} testId="coverage-regions" rowTestId="coverage-row" />
          <h3>Par département</h3>
          <p className="muted">Cliquez sur un département pour filtrer les autres vues.</p>
          <SortTable
            rows={d.departements}
            columns={columns('Département')}
            rowKey={(r) => r.code}
            initialSort={{ key: 'pp', desc: false }}
            selected={area.departement ?? null}
            onSelect={(r) => setUrl({ dep: r.code })}
            testId="coverage-departements"
            rowTestId="coverage-row"
          />
          <ul className="notes">
            {/* the API's notes name its JSON keys and its own rounding: the panel says the same in its words */}
            <li>
              Une commune est couverte si elle est membre d’au moins une CPTS (tous statuts confondus) ; sa population entière est alors couverte.
            </li>
            <li>Parts en % arrondies au dixième ; la ligne d’une région porte toujours sur la région entière.</li>
            <li>Multi-CPTS : communes membres de plusieurs CPTS. Non officiel : communes couvertes seulement par des périmètres approximatifs ou illustratifs.</li>
          </ul>
          <Sources sources={d.sources} />
        </>
      )}
    </Async>
  );
}
