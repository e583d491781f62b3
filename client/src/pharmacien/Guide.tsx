// The four forms of coordinated care a pharmacy can join, side by side (from /api/guide, sourced data).
import { getGuide, useApi } from '../api.js';
import { Async } from '../ui.js';

export function Guide() {
  const state = useApi('guide', (s) => getGuide(s));
  return (
    <Async state={state} what="du guide">
      {(g) => (
        <div className="guide" data-testid="guide">
          <h2>{g.titre}</h2>
          <p>{g.introduction}</p>
          <div className="table-wrap guide-table">
            <table data-testid="guide-table">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Rubrique</span>
                  </th>
                  {g.structures.map((s) => (
                    <th key={s.id} scope="col">
                      {s.sigle}
                      <span className="th-sub">{s.nom}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {g.rubriques.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">{r.libelle}</th>
                    {g.structures.map((s) => {
                      const v = s[r.id];
                      return (
                        <td key={s.id}>
                          {Array.isArray(v) ? (
                            v.length ? (
                              <ul className="plain">
                                {v.map((x) => (
                                  <li key={x}>{x}</li>
                                ))}
                              </ul>
                            ) : (
                              '—'
                            )
                          ) : (
                            (v ?? '—')
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Missions ouvertes au pharmacien</h3>
          <ul className="missions">
            {g.missions.map((m) => (
              <li key={m.id}>
                <strong>{m.titre}</strong> <span className="muted">({m.structures.map((s) => s.toUpperCase()).join(', ')})</span>
                <p>{m.description}</p>
                <ul className="plain">
                  {m.remunerations.map((r) => (
                    <li key={r.libelle}>{r.libelle}</li>
                  ))}
                </ul>
                {m.zonagesEligibles && <p className="muted">Seulement en zone {m.zonagesEligibles.join(' ou ')}.</p>}
              </li>
            ))}
          </ul>
          <p className="sources">
            Sources :{' '}
            {Object.values(g.sources)
              .map((s) => `${s.document} (${s.date})`)
              .join(' ; ')}
            .
          </p>
        </div>
      )}
    </Async>
  );
}
