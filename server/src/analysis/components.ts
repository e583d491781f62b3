// Connected components of a small undirected graph (union-find): the separate parts of a perimeter, whose nodes
// are communes and whose edges are shared borders. Pure, so tested directly.

/**
 * The connected components of the graph: each node in exactly one component, edges naming unknown nodes ignored.
 * Components list their nodes in the order of `nodes`; components are ordered by their first node in that order.
 */
export function connectedComponents(nodes: readonly string[], edges: readonly (readonly [string, string])[]): string[][] {
  const parent = new Map(nodes.map((n) => [n, n]));
  const root = (n: string): string => {
    let r = n;
    while (parent.get(r) !== r) r = parent.get(r)!;
    for (let x = n; x !== r; ) {
      const next = parent.get(x)!;
      parent.set(x, r); // path compression
      x = next;
    }
    return r;
  };
  for (const [a, b] of edges) {
    if (!parent.has(a) || !parent.has(b)) continue;
    const ra = root(a);
    const rb = root(b);
    if (ra !== rb) parent.set(rb, ra);
  }
  const groups = new Map<string, string[]>();
  for (const n of new Set(nodes)) {
    const r = root(n);
    const g = groups.get(r);
    if (g) g.push(n);
    else groups.set(r, [n]);
  }
  return [...groups.values()];
}
